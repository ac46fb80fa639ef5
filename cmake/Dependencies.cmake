# Every third-party dependency comes from Debian's packages (scripts/install-deps).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(OpenSSL REQUIRED)

pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)

find_package(cpprestsdk CONFIG QUIET)
find_package(prometheus-cpp CONFIG QUIET)

if(PGREVISE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(PGREVISE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
