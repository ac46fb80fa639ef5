# Every third-party dependency comes from Debian's packages (scripts/install-deps).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(OpenSSL REQUIRED)

pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)

# PostgreSQL's grammar as a library (Debian's libpg-query-dev ships it static, without a pkg-config file).
find_path(PG_QUERY_INCLUDE_DIR pg_query.h REQUIRED)
find_library(PG_QUERY_LIBRARY NAMES libpg_query.a pg_query REQUIRED)
add_library(PgQuery::PgQuery UNKNOWN IMPORTED)
set_target_properties(PgQuery::PgQuery PROPERTIES IMPORTED_LOCATION "${PG_QUERY_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${PG_QUERY_INCLUDE_DIR}" INTERFACE_LINK_LIBRARIES Threads::Threads)

find_package(cpprestsdk CONFIG QUIET)
find_package(prometheus-cpp CONFIG QUIET)

if(PGREVISE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(PGREVISE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
