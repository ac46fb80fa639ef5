#pragma once

#include <cstdio>
#include <cstdlib>

// An invariant a fuzz target checks on every input: a violation aborts, which libFuzzer reports as a crash
// and saves the input that caused it.
#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (false)
