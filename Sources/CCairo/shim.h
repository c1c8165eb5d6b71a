// cairo's image (PNG) and SVG surfaces.
#include <cairo.h>
#include <cairo-svg.h>
