// CFuzzer only declares libFuzzer's driver (include/CFuzzer.h); the fuzzer runtime defines it.
