// The FFT floor of `genrekit prepare`: FFTW's single-precision r2c transforms of as many frames
// as prepare transforms (FRAMES frames of N points per segment), on THREADS threads, each with
// its own plan and buffers, as prepare's workers have. Planned as prepare plans them: one frame,
// FFTW_ESTIMATE, executed on the rows of a block of 8 frames (new-array execute), which on this
// work is faster than one plan over all of a segment's frames (`--many` times that one too).
// Prints the seconds of the transforms alone: nothing is windowed, squared or written.
//   usage: fft_floor SEGMENTS [FRAMES=130] [N=2048] [THREADS=nproc] [--many]
#include <fftw3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  long segments;
  int frames, n, many;
  fftwf_plan plan;
  float *in;
  fftwf_complex *out;
} Work;

enum { BLOCK = 8 };

static pthread_mutex_t planner = PTHREAD_MUTEX_INITIALIZER;

static void *run(void *arg) {
  Work *w = arg;
  int bins = w->n / 2 + 1, stride = (bins + 7) / 8 * 8;
  for (long s = 0; s < w->segments; s++) {
    if (w->many) {
      fftwf_execute(w->plan);
      continue;
    }
    for (int t = 0; t < w->frames; t++) {
      int row = t % BLOCK;
      fftwf_execute_dft_r2c(w->plan, w->in + (size_t)row * w->n, w->out + (size_t)row * stride);
    }
  }
  return NULL;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: fft_floor SEGMENTS [FRAMES] [N] [THREADS] [--many]\n");
    return 2;
  }
  int many = strcmp(argv[argc - 1], "--many") == 0;
  if (many) argc--;
  long segments = atol(argv[1]);
  int frames = argc > 2 ? atoi(argv[2]) : 130;
  int n = argc > 3 ? atoi(argv[3]) : 2048;
  int threads = argc > 4 ? atoi(argv[4]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (segments < 1 || frames < 1 || n < 16 || n % 16 || threads < 1 || threads > 256) return 2;
  int bins = n / 2 + 1, stride = (bins + 7) / 8 * 8;
  int rows = many ? frames : BLOCK;
  Work work[256];
  pthread_t ids[256];
  for (int t = 0; t < threads; t++) {
    Work *w = &work[t];
    w->frames = frames;
    w->n = n;
    w->many = many;
    w->segments = segments / threads + (t < segments % threads);
    w->in = fftwf_alloc_real((size_t)n * rows);
    w->out = fftwf_alloc_complex((size_t)stride * rows);
    pthread_mutex_lock(&planner);
    w->plan = many ? fftwf_plan_many_dft_r2c(1, &n, frames, w->in, NULL, 1, n, w->out, NULL, 1, stride, FFTW_ESTIMATE)
                   : fftwf_plan_dft_r2c_1d(n, w->in, w->out, FFTW_ESTIMATE);
    pthread_mutex_unlock(&planner);
    srand(42 + t);
    for (long i = 0; i < (long)n * rows; i++) w->in[i] = (float)((double)rand() / RAND_MAX) - 0.5f;
  }
  double start = now();
  for (int t = 0; t < threads; t++) pthread_create(&ids[t], NULL, run, &work[t]);
  for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
  double seconds = now() - start;
  printf("%.3f s for %ld frames of %d points on %d threads (%s)\n", seconds, segments * frames, n, threads,
         many ? "one plan over each segment's frames" : "one-frame plan, blocks of 8");
  return 0;
}
