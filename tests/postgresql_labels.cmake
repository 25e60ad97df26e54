# Read by ctest after the doctest-discovered tests are defined
# (TEST_INCLUDE_FILES, tests/CMakeLists.txt): the tests that start the
# throwaway PostgreSQL cluster (tests/pg_cluster.h) and take seconds get the
# label `postgresql`, so `ctest -L postgresql` runs them and CI counts their
# time (docs/operations.md §8). A renamed test makes ctest say it cannot find it.
set_tests_properties(
  "integration_tests:province: three rectifyd on one PostgreSQL, one killed -9 mid-push, converge"
  "integration_tests:migrate: SQLite district to PostgreSQL, verified, re-run safe, then served"
  PROPERTIES LABELS "integration;postgresql")
set_tests_properties(
  "simulation_tests:simulation: invariants hold with three servers on PostgreSQL"
  PROPERTIES LABELS "simulation;postgresql")
