#include <oneapi/dnnl/dnnl.h>

// The execute-argument indices and the "allocate for me" handle are macros Swift cannot import.
static const int GK_ARG_SRC_LAYER = DNNL_ARG_SRC_LAYER;
static const int GK_ARG_WEIGHTS_LAYER = DNNL_ARG_WEIGHTS_LAYER;
static const int GK_ARG_WEIGHTS_ITER = DNNL_ARG_WEIGHTS_ITER;
static const int GK_ARG_BIAS = DNNL_ARG_BIAS;
static const int GK_ARG_DST_LAYER = DNNL_ARG_DST_LAYER;
static const int GK_ARG_DST_ITER = DNNL_ARG_DST_ITER;
static const int GK_ARG_DST_ITER_C = DNNL_ARG_DST_ITER_C;
static const int GK_ARG_WORKSPACE = DNNL_ARG_WORKSPACE;
static const int GK_ARG_DIFF_SRC_LAYER = DNNL_ARG_DIFF_SRC_LAYER;
static const int GK_ARG_DIFF_WEIGHTS_LAYER = DNNL_ARG_DIFF_WEIGHTS_LAYER;
static const int GK_ARG_DIFF_WEIGHTS_ITER = DNNL_ARG_DIFF_WEIGHTS_ITER;
static const int GK_ARG_DIFF_BIAS = DNNL_ARG_DIFF_BIAS;
static const int GK_ARG_DIFF_DST_LAYER = DNNL_ARG_DIFF_DST_LAYER;
static const int GK_ARG_DIFF_DST_ITER = DNNL_ARG_DIFF_DST_ITER;
static const int GK_ARG_DIFF_DST_ITER_C = DNNL_ARG_DIFF_DST_ITER_C;
static const int GK_ARG_SCRATCHPAD = DNNL_ARG_SCRATCHPAD;
static const int GK_ARG_FROM = DNNL_ARG_FROM;
static const int GK_ARG_TO = DNNL_ARG_TO;

static inline void *gk_dnnl_allocate(void) { return DNNL_MEMORY_ALLOCATE; }
static const int GK_ARG_SRC = DNNL_ARG_SRC;
static const int GK_ARG_WEIGHTS = DNNL_ARG_WEIGHTS;
static const int GK_ARG_DST = DNNL_ARG_DST;
static const int GK_ARG_DIFF_SRC = DNNL_ARG_DIFF_SRC;
static const int GK_ARG_DIFF_WEIGHTS = DNNL_ARG_DIFF_WEIGHTS;
static const int GK_ARG_DIFF_DST = DNNL_ARG_DIFF_DST;
