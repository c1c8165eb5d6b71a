#include <stddef.h>
#include <stdint.h>

// libFuzzer's driver (LLVM 11+): runs the fuzzing loop with the given callback. SwiftPM names
// an executable's entry point itself, so each target calls this from its own main instead of
// linking libFuzzer's main.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
