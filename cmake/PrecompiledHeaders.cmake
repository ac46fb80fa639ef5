# Precompiled headers. The standard library, nlohmann/json and, in tests, GoogleTest and GMock are most of what a
# source file here parses. Each set is compiled once per build directory, by a target of its own, and every
# library or test reuses it (REUSE_FROM), which needs the same compile flags and definitions: the global flags,
# plus GTest's for tests. CMake passes -Winvalid-pch, so with -Werror a header that cannot be used fails the build
# instead of being parsed again in silence.
option(PGREVISE_PCH "Precompile the headers most sources include" ON)

set(PGREVISE_PCH_HEADERS
  <algorithm> <atomic> <chrono> <cstdint> <filesystem> <fstream> <functional> <map> <memory> <mutex> <optional>
  <set> <sstream> <stdexcept> <string> <string_view> <thread> <utility> <vector>
  <nlohmann/json.hpp>)

# pgrevise_pch_target(NAME LIBS ... HEADERS ...): an object library that only builds the precompiled header.
function(pgrevise_pch_target name)
  cmake_parse_arguments(P "" "" "LIBS;HEADERS" ${ARGN})
  file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/pch/${name}.cpp CONTENT "// Builds the precompiled header only.\n")
  add_library(${name} OBJECT ${CMAKE_BINARY_DIR}/pch/${name}.cpp)
  target_link_libraries(${name} PRIVATE ${P_LIBS})
  target_precompile_headers(${name} PRIVATE ${P_HEADERS})
endfunction()

# pgrevise_use_pch(TARGET FROM): TARGET's sources start from FROM's precompiled header.
function(pgrevise_use_pch target from)
  if(PGREVISE_PCH AND TARGET ${from})
    target_precompile_headers(${target} REUSE_FROM ${from})
  endif()
endfunction()
