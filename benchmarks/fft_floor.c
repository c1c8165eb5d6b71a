// The FFT floor of `genrekit prepare`: FFTW's single-precision r2c transforms of as many frames
// as prepare transforms, planned as prepare plans them (FFTW_ESTIMATE, one batch of
// FRAMES_PER_BATCH frames of N points per segment), on THREADS threads, each with its own plan
// and buffers, as prepare's workers have. Prints the seconds of the transforms alone.
//   usage: fft_floor SEGMENTS [FRAMES_PER_BATCH=130] [N=2048] [THREADS=nproc]
#include <fftw3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  long batches;
  int frames, n;
  fftwf_plan plan;
  float *in;
} Work;

static pthread_mutex_t planner = PTHREAD_MUTEX_INITIALIZER;

static void *run(void *arg) {
  Work *w = arg;
  for (long b = 0; b < w->batches; b++) fftwf_execute(w->plan);
  return NULL;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: fft_floor SEGMENTS [FRAMES_PER_BATCH] [N] [THREADS]\n");
    return 2;
  }
  long segments = atol(argv[1]);
  int frames = argc > 2 ? atoi(argv[2]) : 130;
  int n = argc > 3 ? atoi(argv[3]) : 2048;
  int threads = argc > 4 ? atoi(argv[4]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (segments < 1 || frames < 1 || n < 2 || threads < 1 || threads > 256) return 2;
  int bins = n / 2 + 1;
  Work work[256];
  pthread_t ids[256];
  for (int t = 0; t < threads; t++) {
    Work *w = &work[t];
    w->frames = frames;
    w->n = n;
    w->batches = segments / threads + (t < segments % threads);
    w->in = fftwf_alloc_real((size_t)n * frames);
    fftwf_complex *out = fftwf_alloc_complex((size_t)bins * frames);
    pthread_mutex_lock(&planner);
    w->plan = fftwf_plan_many_dft_r2c(1, &n, frames, w->in, NULL, 1, n, out, NULL, 1, bins, FFTW_ESTIMATE);
    pthread_mutex_unlock(&planner);
    srand(42 + t);
    for (long i = 0; i < (long)n * frames; i++) w->in[i] = (float)rand() / RAND_MAX - 0.5f;
  }
  double start = now();
  for (int t = 0; t < threads; t++) pthread_create(&ids[t], NULL, run, &work[t]);
  for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
  double seconds = now() - start;
  printf("%.3f s for %ld frames of %d points on %d threads\n", seconds, segments * frames, n, threads);
  return 0;
}
