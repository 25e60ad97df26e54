// Entry point of `rectify`. Exceptions stop here; everything below returns
// errors as values.
#include <exception>
#include <iostream>

#include "client/cli/cli.h"

int main(int argc, char** argv) {
  try {
    return rectify::RunCli(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "rectify: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "rectify: internal error\n";
  }
  return 3;
}
