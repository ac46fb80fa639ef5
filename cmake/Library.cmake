# pgrevise_library(NAME SOURCES file... [PUBLIC lib...] [PRIVATE lib...])
#   One library per concept, each defined the same way: the target pgrevise_NAME, its alias pgrevise::NAME,
#   src/ as its public include folder, and its links, PUBLIC and PRIVATE as given. tests/docs/check_dependencies.py
#   reads the pgrevise:: names of a call as the target's links.
function(pgrevise_library name)
  cmake_parse_arguments(L "" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  add_library(pgrevise_${name} ${L_SOURCES})
  add_library(pgrevise::${name} ALIAS pgrevise_${name})
  target_include_directories(pgrevise_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(pgrevise_${name} PUBLIC ${L_PUBLIC} PRIVATE ${L_PRIVATE})
endfunction()
