// Entry point of `rectify`. Exceptions stop here; everything below returns
// errors as values.
#include <exception>
#include <iostream>
#include <string>

#include "client/cli/cli.h"

int main(int argc, char** argv) {
  std::string what = "internal error";
  try {
    return rectify::RunCli(argc, argv);
  } catch (const std::exception& e) {
    what = std::string("internal error: ") + e.what();
  } catch (...) {
  }
  if (rectify::WantsJson(argc, argv))
    std::cerr << rectify::JsonError("internal", what, 3) << "\n";
  else
    std::cerr << "rectify: " << what << "\n";
  return 3;
}
