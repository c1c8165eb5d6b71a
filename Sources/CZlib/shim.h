#include <zlib.h>

// zlib's init functions are macros that pass ZLIB_VERSION and sizeof(z_stream);
// Swift cannot import function-like macros, so these wrappers expose them.
static inline int genrekit_deflateInit2(z_streamp strm, int level, int method, int windowBits,
                                        int memLevel, int strategy) {
    return deflateInit2(strm, level, method, windowBits, memLevel, strategy);
}

static inline int genrekit_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
