# Driven by the fuzz.* tests (see CMakeLists.txt here).
#   MODE=build: configure and build the fuzz targets with clang in BUILD_DIR.
#   MODE=run:   run FUZZER for SECONDS with a fixed seed on a fresh copy of CORPUS in WORK_DIR (libFuzzer adds
#               the inputs it finds to its first corpus folder, which must not be the source tree).
cmake_minimum_required(VERSION 3.25)

if(MODE STREQUAL "build")
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BUILD_DIR} -G Ninja
                          -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=RelWithDebInfo
                  RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "configuring the fuzz targets failed")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} -j2 RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "building the fuzz targets failed")
  endif()
elseif(MODE STREQUAL "run")
  file(REMOVE_RECURSE ${WORK_DIR})
  file(MAKE_DIRECTORY ${WORK_DIR}/corpus ${WORK_DIR}/crashes)
  file(GLOB seeds ${CORPUS}/*)
  file(COPY ${seeds} DESTINATION ${WORK_DIR}/corpus)
  execute_process(COMMAND ${FUZZER} -seed=1 -max_total_time=${SECONDS} -max_len=16384 -rss_limit_mb=2048
                          -timeout=10 -print_final_stats=1 -artifact_prefix=${WORK_DIR}/crashes/
                          ${WORK_DIR}/corpus
                  RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    file(GLOB found ${WORK_DIR}/crashes/*)
    message(FATAL_ERROR "${FUZZER} failed (${result}); the input is in: ${found}")
  endif()
else()
  message(FATAL_ERROR "MODE must be build or run")
endif()
