# cmake -DINPUT=FILE -DOUTPUT=HEADER -DNAME=IDENTIFIER -P EmbedText.cmake
# Writes a header declaring `inline constexpr std::string_view NAME` holding FILE's text, so that a file of the
# repository (the CRD) ships inside the binary exactly as it is in the repository.
file(READ "${INPUT}" text)
string(FIND "${text}" ")embedded\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw string delimiter )embedded\"")
endif()
file(WRITE "${OUTPUT}.tmp"
     "#pragma once\n// Generated from ${INPUT} by cmake/EmbedText.cmake.\n#include <string_view>\n"
     "inline constexpr std::string_view ${NAME} = R\"embedded(" "${text}" ")embedded\";\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
