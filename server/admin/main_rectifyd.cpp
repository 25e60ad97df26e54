#include <exception>
#include <iostream>

#include "server/admin/rectifyd_cli.h"

int main(int argc, char** argv) {
  try {
    return rectify::RunRectifyd(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "rectifyd: fatal: " << e.what() << std::endl;
    return 1;
  }
}
