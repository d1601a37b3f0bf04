/* The gate as a VapourSynth filter: ainimotion.Gate and ainimotion.Analysis.
 *
 * The same operations as ainimotion_vs/gating/metrics.py (the analysis picture and the numbers
 * measured on it) and ainimotion_vs/gating/detectors.py (the decision), which stay the reference:
 * the tests compare the props of the two. Python (ainimotion_vs/gating/native.py) computes the
 * geometry and the block matrices and passes them in, so both share one definition of them.
 *
 * Why C: at 1080p on a 2-core CPU (vspipe, CPU per frame over decode only) a Python callback per
 * frame costs ~0.25-0.3 ms whatever it does. With the anchor and streak tests this filter costs
 * ~0.77 ms per 1080p frame (perf, 240 frames of an x264 clip: 18.7% of the decoder's CPU); most
 * of it is memory traffic: reading the fine samples (~0.2 ms), decide() and the analysis picture
 * (~0.2 ms each).
 *
 * Keep it in step with the Python: a change to a metric, a decision or a GateSettings field is
 * made in both (GateSettings fields are passed by name, so a new one the filter does not take
 * fails loudly; test_gate.py compares the props of the two builds on every synthetic scene).
 *
 * Built by setup.py as a Python-extension-named shared library (so pip builds and installs it
 * with the package); it does not use Python: load it with core.std.LoadPlugin. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "VapourSynth4.h"

#ifdef _WIN32
#include <windows.h>
typedef SRWLOCK lock_t;
#define LOCK_INIT(l) InitializeSRWLock(l)
#define LOCK(l) AcquireSRWLockExclusive(l)
#define UNLOCK(l) ReleaseSRWLockExclusive(l)
#define LOCK_FREE(l) ((void)0)
#else
#include <pthread.h>
typedef pthread_mutex_t lock_t;
#define LOCK_INIT(l) pthread_mutex_init(l, NULL)
#define LOCK(l) pthread_mutex_lock(l)
#define UNLOCK(l) pthread_mutex_unlock(l)
#define LOCK_FREE(l) pthread_mutex_destroy(l)
#endif

#define HIST_BINS 16
#define MAX_COLS 8
#define CODE 255.0
#define CAPACITY 64 /* memo entries of each kind (frames, intervals, covariances, decisions) */

enum { CUT = 0, HOLD = 1, MOTION = 2 };
static const char *LABEL[] = {"cut", "hold", "motion"};

/* ---- arithmetic (as in _gate_metrics.py) ---------------------------------------------- */

/* Sums in 8 float lanes (independent additions a compiler can vectorise), then in double. */
#define LANES 8
static double sum_f(const float *x, ptrdiff_t n) {
    float acc[LANES] = {0};
    ptrdiff_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int k = 0; k < LANES; k++) acc[k] += x[i + k];
    double s = 0.0;
    for (int k = 0; k < LANES; k++) s += acc[k];
    for (; i < n; i++) s += x[i];
    return s;
}

static double dot_f(const float *a, const float *b, ptrdiff_t n) {
    float acc[LANES] = {0};
    ptrdiff_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int k = 0; k < LANES; k++) acc[k] += a[i + k] * b[i + k];
    double s = 0.0;
    for (int k = 0; k < LANES; k++) s += acc[k];
    for (; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

typedef struct Geometry {
    int w, h, x0, y0, cell, rows[2], ncols, cols[MAX_COLS];
    int nplanes;
    float weights[3];
    int is_float;
} Geometry;

/* Prefetch a row of n bytes: the next row a strided loop reads (a hardware prefetcher starts late
 * on each row of a frame that is not in cache: perf measured ~30% of the fine gather's time). */
#if defined(__GNUC__)
#define PREFETCH_ROW(a, n) \
    for (size_t x_ = 0; x_ < (size_t)(n); x_ += 64) __builtin_prefetch((const char *)(a) + x_)
#else
#define PREFETCH_ROW(a, n) ((void)0)
#endif

/* Cell sums straight from the two sampled rows of each cell. Integer sums are exact in any
 * order; float sums keep the numpy path's order ((a0+b0) + (a1+b1)) + (a2+b2) ..., and each
 * plane's weighted sum is added as numpy does: bit-exact with Decimator. */
#define CELLS(T, ACC)                                                               \
    for (int i = 0; i < g->h; i++) {                                                \
        const T *ra = (const T *)(base + (ptrdiff_t)(g->y0 + i * cell + g->rows[0]) * stride) + g->x0; \
        const T *rb = (const T *)(base + (ptrdiff_t)(g->y0 + i * cell + g->rows[1]) * stride) + g->x0; \
        float *o = out + (ptrdiff_t)i * g->w;                                       \
        if (i + 1 < g->h) {                                                         \
            PREFETCH_ROW((const uint8_t *)ra + cell * stride, g->w * cell * sizeof(T)); \
            PREFETCH_ROW((const uint8_t *)rb + cell * stride, g->w * cell * sizeof(T)); \
        }                                                                           \
        for (int j = 0; j < g->w; j++) {                                            \
            const T *a = ra + (ptrdiff_t)j * cell, *b = rb + (ptrdiff_t)j * cell;   \
            ACC s = (ACC)a[g->cols[0]] + b[g->cols[0]];                             \
            for (int k = 1; k < g->ncols; k++) s = s + ((ACC)a[g->cols[k]] + b[g->cols[k]]); \
            float t = (float)s * weight;                                            \
            o[j] = accumulate ? o[j] + t : t;                                       \
        }                                                                           \
    }

static void cells(const Geometry *g, const uint8_t *base, ptrdiff_t stride, int bytes, float weight, int accumulate,
                  float *out) {
    const int cell = g->cell;
    if (g->is_float) {
        CELLS(float, float)
    } else if (bytes == 1) {
        CELLS(uint8_t, uint32_t)
    } else {
        CELLS(uint16_t, uint32_t)
    }
}

/* ---- memo entries ------------------------------------------------------------------------ */

typedef struct FrameStats {
    int n, refs;
    double mean, sigma, hist[HIST_BINS];
    int band[4];      /* flat bands of the structure picture: top, bottom, left, right (edge_bands) */
    double level[4];  /* means of its top row, bottom row, left column, right column */
    float *x; /* analysis picture h x w */
    float *c; /* structure picture (every other pixel each way) minus its mean */
    void *fine; /* the streak measure's fine samples, contiguous: uint8/uint16 (integer luma) or float */
    /* the interval n -> n+1, filled once by interval() under the lock (blocks != NULL) */
    double diff, block, streaks;
    float *blocks; /* every block mean, bh x bw */
    const VSFrame *frame; /* the source frame, held for its own output request (see hold_frame) */
} FrameStats;

/* Memo entries of numbers start with their key: a frame number and a distance (0 if unused). */
typedef struct { int n, k; } Key;
typedef struct { double diff, block, streaks; const float *blocks; } IntervalStats;
typedef struct { Key key; double cov, sa, sb; } Cov; /* covariance, standard deviations */
typedef struct {
    Key key;
    int label, flash;
    double diff, block, anchor, streaks, threshold, corr, hist, isolation;
} Decision;

/* A bounded memo of entries of `size` bytes (each starting with a Key; n = -1: empty), the
 * oldest replaced first; guarded by the filter's lock. Entries are copied in and out. */
typedef struct Memo {
    char *items;
    size_t size;
    int capacity, next;
} Memo;

static void memo_init(Memo *m, void *items, size_t size, int capacity) {
    *m = (Memo){(char *)items, size, capacity, 0};
    for (int i = 0; i < capacity; i++) ((Key *)(m->items + i * size))->n = -1;
}

static int memo_get(lock_t *lock, const Memo *m, int n, int k, void *out) {
    int found = 0;
    LOCK(lock);
    for (int i = 0; i < m->capacity && !found; i++) {
        const Key *key = (const Key *)(m->items + i * m->size);
        if (key->n == n && key->k == k) {
            memcpy(out, key, m->size);
            found = 1;
        }
    }
    UNLOCK(lock);
    return found;
}

static void memo_put(lock_t *lock, Memo *m, const void *entry) {
    LOCK(lock);
    memcpy(m->items + m->next * m->size, entry, m->size);
    m->next = (m->next + 1) % m->capacity;
    UNLOCK(lock);
}

typedef struct Settings {
    int radius, noise_window, cut_window, anchor_window, streak_persistence;
    double hold_threshold, hold_noise_factor, hold_threshold_max, flat_sigma, band_level, cut_min_dissimilarity,
        cut_isolation, strong_cut_dissimilarity, strong_cut_hist, flash_return, anchor_tolerance, streak_level,
        streak_noise_factor, streak_share, streak_block_max;
} Settings;

/* The fine samples of the streak measure (as metrics.FineSampler): every `step` pixels each way of
 * luma (plane 0 as is, or RGB weighted in float32). */
typedef struct Fine {
    int step, cell, nweights, exact; /* cell: streak cell side in samples; exact: integer YUV/GRAY */
    float weights[3];
    double peak;
} Fine;

typedef struct Gate {
    VSNode *node;
    const VSAPI *vsapi;
    int held, hold_limit; /* source frames held in FrameStats.frame, and at most */
    VSVideoInfo vi;
    Geometry g;
    Settings s;
    Fine fine;
    int analysis_only;
    ptrdiff_t npix, nstruct; /* analysis pixels; structure pixels */
    int bh, bw;              /* block matrix rows */
    float *by, *bx;          /* bh x h and bw x w, row-major */
    int *by_lo, *by_hi, *bx_lo, *bx_hi;
    lock_t lock;
    FrameStats *frames[CAPACITY];
    int frames_next;
    Cov cov_items[4 * CAPACITY];
    Decision decision_items[CAPACITY];
    Memo covs, decisions;
} Gate;

static void release(Gate *d, FrameStats *f) {
    if (f == NULL) return;
    LOCK(&d->lock);
    int last = --f->refs == 0;
    UNLOCK(&d->lock);
    if (last) {
        if (f->frame) {
            d->vsapi->freeFrame(f->frame);
            LOCK(&d->lock);
            d->held--;
            UNLOCK(&d->lock);
        }
        free(f->x);
        free(f->c);
        free(f->fine);
        free(f->blocks);
        free(f);
    }
}

/* The analysis picture of a source frame (0..1 floats). */
static int analysis(const Gate *d, const VSFrame *src, const VSAPI *vsapi, float *x) {
    const Geometry *g = &d->g;
    int bytes = vsapi->getVideoFrameFormat(src)->bytesPerSample;
    for (int p = 0; p < g->nplanes; p++) {
        const uint8_t *base = vsapi->getReadPtr(src, p);
        if (base == NULL) return 0; /* a GPU-resident frame */
        cells(g, base, vsapi->getStride(src, p), bytes, g->weights[p], p > 0, x);
    }
    if (g->is_float) /* float sources may stray outside 0..1 (NaN stays, as np.clip keeps it) */
        for (ptrdiff_t i = 0; i < d->npix; i++) x[i] = x[i] < 0.0f ? 0.0f : (x[i] > 1.0f ? 1.0f : x[i]);
    return 1;
}

/* Every third byte of a row (the fine samples of 8-bit luma at 1080p): 16 at a time from 48 bytes
 * with byte shuffles. Byte by byte it was most of the per-frame measurement's time (perf); the
 * compiler's own vectorisation of the stride-3 loop went through the stack and was no faster. */
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#include <tmmintrin.h>
#define HAVE_GATHER3 1
__attribute__((target("ssse3"))) static void gather3_ssse3(const uint8_t *r, uint8_t *o, int fw, int width) {
    const __m128i ma = _mm_setr_epi8(0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i mb = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14, -1, -1, -1, -1, -1);
    const __m128i mc = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 4, 7, 10, 13);
    int j = 0;
    for (; j + 16 <= fw && 3 * j + 48 <= width; j += 16) {
        const uint8_t *q = r + 3 * (ptrdiff_t)j;
        const __m128i a = _mm_loadu_si128((const __m128i *)q), b = _mm_loadu_si128((const __m128i *)(q + 16)),
                      c = _mm_loadu_si128((const __m128i *)(q + 32));
        const __m128i v = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(a, ma), _mm_shuffle_epi8(b, mb)), _mm_shuffle_epi8(c, mc));
        _mm_storeu_si128((__m128i *)(o + j), v);
    }
    for (; j < fw; j++) o[j] = r[(ptrdiff_t)j * 3];
}
#else
#define HAVE_GATHER3 0
static void gather3_ssse3(const uint8_t *r, uint8_t *o, int fw, int width) {
    (void)width;
    for (int j = 0; j < fw; j++) o[j] = r[(ptrdiff_t)j * 3];
}
#endif

/* The fine samples of a frame (as FineSampler.luma), fh x fw and contiguous: integer luma as it
 * is (uint8 or uint16), else float32 luma (planes weighted and added in order). Gathered once
 * per frame, so that each interval reads two small contiguous arrays (which vectorise) instead of
 * every sampled row of two frames: the strided reads were most of the streak measure's time. */
static void *fine_samples(const Gate *d, const VSFrame *src, const VSAPI *vsapi) {
    const Fine *f = &d->fine;
    const int step = f->step, W = d->vi.width, H = d->vi.height;
    const int fw = (W + step - 1) / step, fh = (H + step - 1) / step;
    const int bytes = d->vi.format.bytesPerSample, is_float = d->vi.format.sampleType == stFloat;
    const int planes = f->exact ? 1 : f->nweights;
    for (int p = 0; p < planes; p++)
        if (vsapi->getReadPtr(src, p) == NULL) return NULL; /* a GPU-resident frame */
    char *out = malloc((size_t)fw * fh * (f->exact ? (size_t)bytes : sizeof(float)));
    if (!out) return NULL;
#if HAVE_GATHER3
    const int has_ssse3 = __builtin_cpu_supports("ssse3");
#else
    const int has_ssse3 = 0;
#endif
    for (int i = 0; i < fh; i++) {
        if (f->exact) {
            const ptrdiff_t stride = vsapi->getStride(src, 0);
            const uint8_t *r = vsapi->getReadPtr(src, 0) + (ptrdiff_t)i * step * stride;
            if (i + 1 < fh) PREFETCH_ROW(r + step * stride, (size_t)W * bytes);
            if (bytes == 1) {
                uint8_t *o = (uint8_t *)out + (ptrdiff_t)i * fw;
                if (step == 1) memcpy(o, r, (size_t)fw);
                else if (step == 3 && has_ssse3) gather3_ssse3(r, o, fw, W);
                else for (int j = 0; j < fw; j++) o[j] = r[(ptrdiff_t)j * step];
            } else {
                const uint16_t *r16 = (const uint16_t *)r;
                uint16_t *o = (uint16_t *)out + (ptrdiff_t)i * fw;
                for (int j = 0; j < fw; j++) o[j] = r16[(ptrdiff_t)j * step];
            }
            continue;
        }
        float *o = (float *)out + (ptrdiff_t)i * fw;
        for (int p = 0; p < planes; p++) { /* per sample: w0 s0, then + w1 s1, then + w2 s2 */
            const uint8_t *r = vsapi->getReadPtr(src, p) + (ptrdiff_t)i * step * vsapi->getStride(src, p);
            const float wp = f->weights[p];
            for (int j = 0; j < fw; j++) {
                float s;
                if (is_float)
                    s = ((const float *)r)[(ptrdiff_t)j * step];
                else if (bytes == 1)
                    s = (float)r[(ptrdiff_t)j * step];
                else
                    s = (float)((const uint16_t *)r)[(ptrdiff_t)j * step];
                const float ws = s * wp;
                o[j] = p ? o[j] + ws : ws;
            }
        }
    }
    return out;
}

/* How many of the `n` lines from line `first` (going `dir`, +1 or -1) are flat: standard deviation
 * at most `flat`, mean within `level` of the first line's (as metrics._band). */
static int band_of(const double *means, const double *sds, int n, int first, int dir, double flat, double level) {
    int k = 0;
    while (k < n && sds[first + dir * k] <= flat && fabs(means[first + dir * k] - means[first]) <= level) k++;
    return k;
}

/* Flat bands at the edges of the structure picture (every other analysis pixel each way) and the
 * edge lines' means (as metrics.edge_bands): float64, two passes. */
static int edge_bands(const Gate *d, FrameStats *f) {
    const int h = d->g.h, w = d->g.w, rh = (h + 1) / 2, rw = (w + 1) / 2;
    double *rm = calloc((size_t)2 * (rh + rw), sizeof(double));
    if (!rm) return 0;
    double *rs = rm + rh, *cm = rs + rh, *cs = cm + rw;
#define S(i, j) ((double)f->x[(ptrdiff_t)2 * (i) * w + 2 * (j)])
    for (int i = 0; i < rh; i++)
        for (int j = 0; j < rw; j++) rm[i] += S(i, j), cm[j] += S(i, j);
    for (int i = 0; i < rh; i++) rm[i] /= rw;
    for (int j = 0; j < rw; j++) cm[j] /= rh;
    for (int i = 0; i < rh; i++)
        for (int j = 0; j < rw; j++) {
            const double u = S(i, j) - rm[i], v = S(i, j) - cm[j];
            rs[i] += u * u;
            cs[j] += v * v;
        }
#undef S
    for (int i = 0; i < rh; i++) rs[i] = sqrt(rs[i] / rw);
    for (int j = 0; j < rw; j++) cs[j] = sqrt(cs[j] / rh);
    const double flat = d->s.flat_sigma / CODE, level = d->s.band_level / CODE;
    int *b = f->band;
    b[0] = band_of(rm, rs, rh, 0, 1, flat, level);
    b[1] = band_of(rm, rs, rh, rh - 1, -1, flat, level);
    b[2] = band_of(cm, cs, rw, 0, 1, flat, level);
    b[3] = band_of(cm, cs, rw, rw - 1, -1, flat, level);
    if (b[0] + b[1] >= rh || b[2] + b[3] >= rw) b[0] = b[1] = b[2] = b[3] = 0;
    f->level[0] = rm[0], f->level[1] = rm[rh - 1], f->level[2] = cm[0], f->level[3] = cm[rw - 1];
    free(rm);
    return 1;
}

/* Frame numbers: mean of the picture; on every other pixel each way, the standard deviation,
 * the centred values and the HIST_BINS-bin histogram (as Measurer.frame). */
static FrameStats *measure(const Gate *d, int n, const VSFrame *src, const VSAPI *vsapi) {
    const int h = d->g.h, w = d->g.w, rh = (h + 1) / 2, rw = (w + 1) / 2;
    FrameStats *f = calloc(1, sizeof(FrameStats));
    if (f) {
        f->x = malloc(d->npix * sizeof(float));
        f->c = malloc(d->nstruct * sizeof(float));
        f->fine = fine_samples(d, src, vsapi);
    }
    if (!f || !f->x || !f->c || !f->fine || !analysis(d, src, vsapi, f->x)) {
        if (f) {
            free(f->x);
            free(f->c);
            free(f->fine);
        }
        free(f);
        return NULL;
    }
    f->n = n;
    f->refs = 1;
    double total = 0.0, sub = 0.0;
    int64_t counts[HIST_BINS] = {0};
    for (int i = 0; i < h; i++) total += sum_f(f->x + (ptrdiff_t)i * w, w);
    for (int i = 0; i < rh; i++) {
        const float *row = f->x + (ptrdiff_t)2 * i * w;
        float *cr = f->c + (ptrdiff_t)i * rw;
        for (int j = 0; j < rw; j++) cr[j] = row[2 * j];
        sub += sum_f(cr, rw);
        for (int j = 0; j < rw; j++) {
            float b = cr[j] * (float)(HIST_BINS - 0.001); /* 0..1 truncates to a bin 0 .. HIST_BINS - 1 */
            int k = b > 0.0f ? (int)b : 0;
            counts[k < HIST_BINS ? k : HIST_BINS - 1]++;
        }
    }
    const float mean = (float)(sub / (double)d->nstruct);
    for (ptrdiff_t i = 0; i < d->nstruct; i++) f->c[i] -= mean;
    double sq = dot_f(f->c, f->c, d->nstruct) / (double)d->nstruct;
    f->mean = total / (double)d->npix;
    f->sigma = sqrt(sq > 0.0 ? sq : 0.0);
    if (!edge_bands(d, f)) {
        free(f->x);
        free(f->c);
        free(f->fine);
        free(f);
        return NULL;
    }
    for (int k = 0; k < HIST_BINS; k++) f->hist[k] = (double)counts[k] / (double)d->nstruct;
    return f;
}

/* ---- the window of one decision (as detectors.Window) ------------------------------ */

typedef struct Window {
    Gate *d;
    int n, lo, hi; /* relative range of frames inside the clip and the window */
    int first;     /* absolute frame number of frames[0] */
    const VSFrame **src;
    FrameStats **stats; /* by absolute frame number - first; NULL until measured */
    const VSAPI *vsapi;
    int bands[4]; /* the flat bands frames n and n+1 share (shared_bands) */
} Window;

static FrameStats *frame_stats(Window *w, int j) {
    FrameStats **slot = &w->stats[j - w->first];
    if (*slot) return *slot;
    Gate *d = w->d;
    FrameStats *f = NULL;
    LOCK(&d->lock);
    for (int k = 0; k < CAPACITY; k++)
        if (d->frames[k] && d->frames[k]->n == j) {
            f = d->frames[k];
            f->refs++;
            break;
        }
    UNLOCK(&d->lock);
    if (f == NULL) {
        const VSFrame *src = w->src[j - w->first];
        if (src == NULL) return NULL; /* neither pinned at the request nor requested */
        f = measure(d, j, src, w->vsapi);
        if (f == NULL) return NULL;
        LOCK(&d->lock);
        FrameStats *old = d->frames[d->frames_next];
        d->frames[d->frames_next] = f;
        d->frames_next = (d->frames_next + 1) % CAPACITY;
        f->refs++;
        UNLOCK(&d->lock);
        release(d, old);
    }
    return *slot = f;
}

/* Every block mean of an absolute-difference picture (By @ diff @ Bx^T, row by row). */
static void block_means(const Gate *d, const float *diff, float *t, float *blocks) {
    const int h = d->g.h, wd = d->g.w;
    for (int r = 0; r < d->bh; r++) {
        memset(t, 0, wd * sizeof(float));
        for (int y = d->by_lo[r]; y < d->by_hi[r]; y++) {
            const float k = d->by[(ptrdiff_t)r * h + y], *row = diff + (ptrdiff_t)y * wd;
            for (int x = 0; x < wd; x++) t[x] += k * row[x];
        }
        for (int c = 0; c < d->bw; c++)
            blocks[(ptrdiff_t)r * d->bw + c] =
                (float)dot_f(d->bx + (ptrdiff_t)c * wd + d->bx_lo[c], t + d->bx_lo[c], d->bx_hi[c] - d->bx_lo[c]);
    }
}

/* The samples of row r (flags 0/1, fw of them) on a thin line, as flags in line[2 .. fw - 3]
 * (the rows two above and below are up and down); whether there is any. Separate buffers
 * (restrict), no branches and not inlined, so that it vectorises. */
#if defined(__GNUC__)
__attribute__((noinline)) /* inlined, GCC 12 ran its scalar copy: ~4x slower (perf annotate) */
#elif defined(_MSC_VER)
__declspec(noinline)
#endif
static int thin_line(const uint8_t *__restrict r, const uint8_t *__restrict up, const uint8_t *__restrict down,
                     const uint8_t *__restrict u1, const uint8_t *__restrict d1, unsigned length,
                     uint8_t *__restrict line, int fw) {
    unsigned any = 0;
    if (!length) { /* two loops, so that the common one (samples every 2-3 pixels) stays lean */
        for (ptrdiff_t j = 2; j < fw - 2; j++) {
            const unsigned t = r[j] & (((r[j - 2] | r[j + 2]) ^ 1u) | ((up[j] | down[j]) ^ 1u));
            line[j] = (uint8_t)t;
            any |= t;
        }
        return any != 0;
    }
    for (ptrdiff_t j = 2; j < fw - 2; j++) {
        const unsigned vert = u1[j - 1] | u1[j] | u1[j + 1] | d1[j - 1] | d1[j] | d1[j + 1];
        const unsigned horz = u1[j - 1] | r[j - 1] | d1[j - 1] | u1[j + 1] | r[j + 1] | d1[j + 1];
        const unsigned t = r[j] & ((((r[j - 2] | r[j + 2]) ^ 1u) & vert) | (((up[j] | down[j]) ^ 1u) & horz));
        line[j] = (uint8_t)t;
        any |= t;
    }
    return any != 0;
}

/* Streak share of frames a -> b (as FineSampler.streaks), from their fine samples: a sample
 * counts when its change exceeds max(level, noise_factor x the mean absolute change), in code
 * values, on a thin line (neither sample two steps left and right, or neither two above and
 * below, exceeds): the share of cells holding one. The loops are branch-free so they vectorise. */
static int streak_share(const Gate *d, const void *sa, const void *sb, double *out) {
    const Fine *f = &d->fine;
    const int step = f->step, W = d->vi.width, H = d->vi.height;
    const int fw = (W + step - 1) / step, fh = (H + step - 1) / step;
    const ptrdiff_t count = (ptrdiff_t)fw * fh;
    const int bytes = d->vi.format.bytesPerSample;
    /* |d| per sample: the integer type of the luma (exact), float32 otherwise; then a 0/1 flag */
    void *buf = malloc(count * (f->exact ? (size_t)bytes : sizeof(float)));
    uint8_t *on = malloc(count);
    if (!buf || !on) return free(buf), free(on), 0;
    double total = 0.0;
    uint64_t itotal = 0;
    if (f->exact && bytes == 1) {
        const uint8_t *a = sa, *b = sb;
        uint8_t *o = buf;
        for (int i = 0; i < fh; i++) {
            uint32_t row = 0; /* <= 255 x fw */
            for (ptrdiff_t k = (ptrdiff_t)i * fw; k < (ptrdiff_t)(i + 1) * fw; k++) {
                const uint8_t hi = a[k] > b[k] ? a[k] : b[k], lo = a[k] > b[k] ? b[k] : a[k];
                o[k] = (uint8_t)(hi - lo);
                row += o[k];
            }
            itotal += row;
        }
    } else if (f->exact) {
        const uint16_t *a = sa, *b = sb;
        uint16_t *o = buf;
        for (int i = 0; i < fh; i++) {
            uint64_t row = 0;
            for (ptrdiff_t k = (ptrdiff_t)i * fw; k < (ptrdiff_t)(i + 1) * fw; k++) {
                const uint16_t hi = a[k] > b[k] ? a[k] : b[k], lo = a[k] > b[k] ? b[k] : a[k];
                o[k] = (uint16_t)(hi - lo);
                row += o[k];
            }
            itotal += row;
        }
    } else { /* float32: the absolute differences added in order, in double (as numpy's path) */
        const float *a = sa, *b = sb;
        float *o = buf;
        for (ptrdiff_t k = 0; k < count; k++) {
            const float v = b[k] - a[k];
            o[k] = v < 0.0f ? -v : v;
        }
        for (ptrdiff_t k = 0; k < count; k++) total += o[k];
    }
    if (f->exact) total = (double)itotal;
    const double mean_code = total / (double)count * 255.0 / f->peak;
    const double m = d->s.streak_noise_factor * mean_code;
    const double limit = (d->s.streak_level > m ? d->s.streak_level : m) * f->peak / 255.0;
    if (f->exact) { /* an integer exceeds a limit >= 0 exactly when it exceeds its floor */
        const double fl = floor(limit);
        const int ilimit = fl > 65535.0 ? 65535 : (int)fl;
        if (ilimit < 0) {
            memset(on, 1, count);
        } else if (bytes == 1) {
            const uint8_t *du = buf, l8 = (uint8_t)(ilimit > 255 ? 255 : ilimit); /* |d| <= 255 */
            for (ptrdiff_t k = 0; k < count; k++) on[k] = du[k] > l8;
        } else {
            const uint16_t *du = buf, l16 = (uint16_t)ilimit;
            for (ptrdiff_t k = 0; k < count; k++) on[k] = du[k] > l16;
        }
    } else {
        const float flimit = (float)limit, *df = buf;
        for (ptrdiff_t k = 0; k < count; k++) on[k] = df[k] > flimit;
    }
    free(buf);
    /* cells (f->cell samples a side) holding a sample on a thin line */
    const int cs = f->cell, rows = (fh + cs - 1) / cs, cols = (fw + cs - 1) / cs;
    uint8_t *hit = calloc((size_t)rows * cols + fw, 1), *line = hit + (size_t)rows * cols;
    if (!hit) return free(on), 0;
    for (int i = 2; i < fh - 2; i++) {
        const uint8_t *r = on + (ptrdiff_t)i * fw, *up = r - 2 * fw, *down = r + 2 * fw;
        /* sampled at every pixel, a line must show its length (as FineSampler.streaks) */
        if (!thin_line(r, up, down, r - fw, r + fw, f->step == 1, line, fw)) continue;
        uint8_t *hr = hit + (ptrdiff_t)(i / cs) * cols;
        for (int c = 0; c < cols; c++) { /* cell by cell: a division per sample was half this function's time */
            const int j0 = c * cs < 2 ? 2 : c * cs, j1 = (c + 1) * cs > fw - 2 ? fw - 2 : (c + 1) * cs;
            uint8_t any = 0;
            for (int j = j0; j < j1; j++) any |= line[j];
            hr[c] |= any;
        }
    }
    ptrdiff_t cells = 0;
    for (ptrdiff_t k = 0; k < (ptrdiff_t)rows * cols; k++) cells += hit[k];
    free(hit);
    free(on);
    *out = fh >= 5 && fw >= 5 ? (double)cells / ((double)rows * cols) : 0.0;
    return 1;
}

/* The numbers of interval j -> j+1 (memoised in frame j's stats). */
static int interval(Window *w, int j, IntervalStats *out) {
    Gate *d = w->d;
    FrameStats *fa = frame_stats(w, j), *fb = frame_stats(w, j + 1);
    if (!fa || !fb) return 0;
    LOCK(&d->lock);
    int done = fa->blocks != NULL;
    if (done) *out = (IntervalStats){fa->diff, fa->block, fa->streaks, fa->blocks};
    UNLOCK(&d->lock);
    if (done) return 1;
    const int h = d->g.h, wd = d->g.w;
    float *diff = malloc((d->npix + wd) * sizeof(float));
    float *blocks = malloc((size_t)d->bh * d->bw * sizeof(float));
    double streaks = 0.0;
    if (!diff || !blocks || !streak_share(d, fa->fine, fb->fine, &streaks)) {
        free(diff);
        free(blocks);
        return 0;
    }
    float *t = diff + d->npix; /* one row of By @ |a - b| */
    double total = 0.0;
    float best = 0.0f;
    for (ptrdiff_t i = 0; i < d->npix; i++) {
        float v = fa->x[i] - fb->x[i];
        diff[i] = v < 0.0f ? -v : v;
    }
    for (int i = 0; i < h; i++) total += sum_f(diff + (ptrdiff_t)i * wd, wd);
    block_means(d, diff, t, blocks);
    for (int b = 0; b < d->bh * d->bw; b++)
        if (blocks[b] > best) best = blocks[b];
    free(diff);
    LOCK(&d->lock);
    if (fa->blocks == NULL) { /* another thread may have filled it meanwhile: same numbers */
        fa->diff = total / (double)d->npix;
        fa->block = best;
        fa->streaks = streaks;
        fa->blocks = blocks;
        blocks = NULL;
    }
    *out = (IntervalStats){fa->diff, fa->block, fa->streaks, fa->blocks};
    UNLOCK(&d->lock);
    free(blocks);
    return 1;
}

/* Block mean (r, c) of |x_a - x_b| (as the block means of interval(), for one block). */
static float block_distance(const Gate *d, const FrameStats *fa, const FrameStats *fb, int r, int c, float *t) {
    const int h = d->g.h, wd = d->g.w, lo = d->bx_lo[c], hi = d->bx_hi[c];
    for (int x = lo; x < hi; x++) t[x] = 0.0f;
    for (int y = d->by_lo[r]; y < d->by_hi[r]; y++) {
        const float k = d->by[(ptrdiff_t)r * h + y];
        const float *ra = fa->x + (ptrdiff_t)y * wd, *rb = fb->x + (ptrdiff_t)y * wd;
        for (int x = lo; x < hi; x++) {
            float v = ra[x] - rb[x];
            t[x] += k * (v < 0.0f ? -v : v);
        }
    }
    return (float)dot_f(d->bx + (ptrdiff_t)c * wd + lo, t + lo, hi - lo);
}

/* Covariance and standard deviations of the structure pictures of frames j and j+k, leaving out
 * the decision's shared bands (w->bands: rows/columns at the top, bottom, left, right); as
 * Measurer.covariance: memoised without bands, float64 over the inner rectangle with them. */
static int covariance(Window *w, int j, int k, Cov *out) {
    Gate *d = w->d;
    const int *m = w->bands;
    const int any = m[0] | m[1] | m[2] | m[3];
    if (!any && memo_get(&d->lock, &d->covs, j, k, out)) return 1;
    FrameStats *a = frame_stats(w, j), *b = frame_stats(w, j + k);
    if (!a || !b) return 0;
    Cov c = {{j, k}, 0.0, a->sigma, b->sigma};
    if (!any) {
        c.cov = dot_f(a->c, b->c, d->nstruct) / (double)d->nstruct;
        memo_put(&d->lock, &d->covs, &c);
    } else { /* two passes */
        const int wd = d->g.w, rh = (d->g.h + 1) / 2, rw = (wd + 1) / 2;
        const int r0 = m[0], r1 = rh - m[1], c0 = m[2], c1 = rw - m[3];
        const double n = (double)(r1 - r0) * (c1 - c0);
        double ma = 0.0, mb = 0.0, saa = 0.0, sbb = 0.0, sab = 0.0;
        for (int i = r0; i < r1; i++)
            for (int jj = c0; jj < c1; jj++) {
                const ptrdiff_t o = (ptrdiff_t)2 * i * wd + 2 * jj;
                ma += a->x[o];
                mb += b->x[o];
            }
        ma /= n;
        mb /= n;
        for (int i = r0; i < r1; i++)
            for (int jj = c0; jj < c1; jj++) {
                const ptrdiff_t o = (ptrdiff_t)2 * i * wd + 2 * jj;
                const double u = a->x[o] - ma, v = b->x[o] - mb;
                saa += u * u;
                sbb += v * v;
                sab += u * v;
            }
        c.cov = sab / n;
        c.sa = sqrt(saa / n);
        c.sb = sqrt(sbb / n);
    }
    *out = c;
    return 1;
}

/* The flat bands frames n and n+1 share (as metrics.shared_bands): on each edge the smaller band,
 * when both edge lines' means are within band_level; left out of every correlation of the
 * decision, so that the cut test compares like with like (leaving a shot's flat sky out of the
 * neighbours only cut a real cut's isolation from 4.1 to 2.5). */
static int shared_bands(Window *w) {
    FrameStats *a = frame_stats(w, w->n), *b = frame_stats(w, w->n + 1);
    if (!a || !b) return 0;
    const double level = w->d->s.band_level / CODE;
    for (int q = 0; q < 4; q++)
        w->bands[q] = fabs(a->level[q] - b->level[q]) <= level ? (a->band[q] < b->band[q] ? a->band[q] : b->band[q]) : 0;
    return 1;
}

static int in_window(const Window *w, int i) { return w->lo <= i && i <= w->hi; }
static int has_interval(const Window *w, int i) { return w->lo <= i && i + 1 <= w->hi; }

/* Correlation of frames n+i and n+i+k; returns 0 when undefined (outside, or a flat frame). */
static int corr(Window *w, int i, int k, double *out, int *error) {
    if (!in_window(w, i) || !in_window(w, i + k)) return 0;
    FrameStats *a = frame_stats(w, w->n + i), *b = frame_stats(w, w->n + i + k);
    if (!a || !b) return *error = 1, 0;
    const double floor = w->d->s.flat_sigma / CODE;
    if (a->sigma < floor || b->sigma < floor) return 0;
    Cov cv;
    if (!covariance(w, w->n + i, k, &cv)) return *error = 1, 0;
    if (cv.sa < floor || cv.sb < floor) return 0; /* flat inside the bars */
    double c = cv.cov / (cv.sa * cv.sb);
    *out = c < -1.0 ? -1.0 : (c > 1.0 ? 1.0 : c);
    return 1;
}

/* ---- the decision (as detectors.decide) ------------------------------------------------- */

/* Anchor distance (as detectors.anchor_distance), code values: each block's still run through
 * interval n extends over neighbouring intervals (at most anchor_window each way) while the block
 * changes by at most min(threshold, its change in n + anchor_tolerance x floor); the largest block difference between
 * a run's first and last frames. */
static int anchor_distance(Window *w, const float *here, double threshold, double floor, double *out) {
    Gate *d = w->d;
    const int H = d->s.anchor_window, nb = d->bh * d->bw, span = H + 1;
    const float *grid[2 * 32 + 1];
    IntervalStats iv;
    int back = 0, ahead = 0; /* intervals available each way */
    for (int i = -1; i >= -H && has_interval(w, i); i--, back++) {
        if (!interval(w, w->n + i, &iv)) return 0;
        grid[H + i] = iv.blocks;
    }
    for (int i = 1; i <= H && has_interval(w, i); i++, ahead++) {
        if (!interval(w, w->n + i, &iv)) return 0;
        grid[H + i] = iv.blocks;
    }
    /* each block's run: first frame (-H..0) and last frame (1..H+1), relative to n */
    int *first = malloc(nb * sizeof(int) * 2), *last = first ? first + nb : NULL;
    int *votes = calloc((size_t)span * span, sizeof(int));
    float *t = malloc((d->npix + 2 * d->g.w + 2 * (size_t)nb) * sizeof(float)); /* rows, diff, grid_mode, bound */
    if (!first || !votes || !t) return free(first), free(votes), free(t), 0;
    const float lim0 = (float)(threshold / CODE), fl = (float)(d->s.anchor_tolerance * floor / CODE);
    int mode = -1, mode_votes = 0;
    for (int b = 0; b < nb; b++) {
        const float v = here[b] + fl, limit = lim0 < v ? lim0 : v;
        int a0 = 0, a1 = 1;
        for (int i = -1; i >= -back && grid[H + i][b] <= limit; i--) a0 = i;
        for (int i = 1; i <= ahead && grid[H + i][b] <= limit; i++) a1 = i + 1;
        first[b] = a0;
        last[b] = a1;
        if (a0 != 0 || a1 != 1) {
            const int key = -a0 * span + (a1 - 1);
            if (++votes[key] > mode_votes) mode_votes = votes[key], mode = key;
        }
    }
    /* A block's distance between its run's ends is at most the sum of its changes over the run's
     * intervals (triangle inequality; a block mean weighs |differences| with non-negative weights).
     * A block whose sum cannot pass the largest distance found so far is not measured: in a motion
     * interval most runs are short and their sums small (perf: decide() halved at 1080p). The
     * result is the same maximum; the margin covers float32 rounding of both sides (sums of <= 65
     * terms: relative error < 65 x 2^-24 < 1e-5). NaN bounds are measured. */
    float *bound = t + 2 * d->g.w + d->npix + nb;
    float best = 0.0f;
    for (int b = 0; b < nb; b++) {
        if (first[b] == 0 && last[b] == 1) {
            if (here[b] > best) best = here[b];
            continue;
        }
        float sum = 0.0f;
        for (int i = first[b]; i < last[b]; i++) sum += i == 0 ? here[b] : grid[H + i][b];
        bound[b] = sum * 1.00001f;
    }
    /* the most common run: all its blocks at once (a long hold: every block); the rest one by one */
    float *diff = t + 2 * d->g.w, *grid_mode = diff + d->npix;
    int m0 = 1, m1 = 0;
    if (mode >= 0) {
        m0 = -(mode / span);
        m1 = mode % span + 1;
        int need = 0;
        for (int b = 0; b < nb && !need; b++) need = first[b] == m0 && last[b] == m1 && !(bound[b] <= best);
        if (need) {
            FrameStats *fa = frame_stats(w, w->n + m0), *fb = frame_stats(w, w->n + m1);
            if (!fa || !fb) return free(first), free(votes), free(t), 0;
            for (ptrdiff_t i = 0; i < d->npix; i++) {
                float v = fa->x[i] - fb->x[i];
                diff[i] = v < 0.0f ? -v : v;
            }
            block_means(d, diff, t, grid_mode);
            for (int b = 0; b < nb; b++)
                if (first[b] == m0 && last[b] == m1 && grid_mode[b] > best) best = grid_mode[b];
        }
    }
    for (int b = 0; b < nb; b++) {
        if ((first[b] == 0 && last[b] == 1) || (first[b] == m0 && last[b] == m1) || bound[b] <= best) continue;
        FrameStats *fa = frame_stats(w, w->n + first[b]), *fb = frame_stats(w, w->n + last[b]);
        if (!fa || !fb) return free(first), free(votes), free(t), 0;
        const float dist = block_distance(d, fa, fb, b / d->bw, b % d->bw, t);
        if (dist > best) best = dist;
    }
    free(first);
    free(votes);
    free(t);
    *out = best * CODE;
    return 1;
}


static int decide(Window *w, Decision *out) {
    const Settings *s = &w->d->s;
    int error = 0;
    IntervalStats iv;
    /* hold threshold: the noise floor is the smallest block maximum within noise_window */
    double floor = INFINITY;
    for (int i = -s->noise_window; i <= s->noise_window; i++) {
        if (!has_interval(w, i)) continue;
        if (!interval(w, w->n + i, &iv)) return 0;
        if (iv.block * CODE < floor) floor = iv.block * CODE;
    }
    double threshold = s->hold_noise_factor * floor;
    if (threshold < s->hold_threshold) threshold = s->hold_threshold;
    if (threshold > s->hold_threshold_max) threshold = s->hold_threshold_max;
    if (!interval(w, w->n, &iv)) return 0;
    const double diff = iv.diff * CODE, block = iv.block * CODE, streaks = iv.streaks;
    double anchor = 0.0;
    if (!anchor_distance(w, iv.blocks, threshold, floor, &anchor)) return 0;

    /* cut test */
    int cut = 0, flash = 0;
    double isolation = 0.0, c0 = 0.0;
    int has_c0 = corr(w, 0, 1, &c0, &error);
    if (has_c0) {
        const double dis = 1.0 - c0;
        double peak = 0.0, c;
        for (int i = -s->cut_window; i <= s->cut_window; i++) {
            if (i == 0 || !has_interval(w, i)) continue;
            if (corr(w, i, 1, &c, &error) && 1.0 - c > peak) peak = 1.0 - c;
        }
        isolation = dis / (peak > 1e-3 ? peak : 1e-3);
        if (isolation > 1000.0) isolation = 1000.0;
        if (dis >= s->cut_min_dissimilarity) {
            static const int pairs[5][2] = {{0, 2}, {-1, 2}, {0, 3}, {-1, 3}, {-2, 3}};
            for (int p = 0; p < 5 && !flash; p++)
                if (corr(w, pairs[p][0], pairs[p][1], &c, &error) && 1.0 - c <= s->flash_return * dis) flash = 1;
            if (!flash) {
                if (isolation >= s->cut_isolation) {
                    cut = 1;
                } else if (dis >= s->strong_cut_dissimilarity) {
                    FrameStats *a = frame_stats(w, w->n), *b = frame_stats(w, w->n + 1);
                    if (!a || !b) return 0;
                    double hc = 0.0;
                    for (int k = 0; k < HIST_BINS; k++) hc += fabs(a->hist[k] - b->hist[k]);
                    cut = 0.5 * hc >= s->strong_cut_hist;
                }
            }
        }
    }
    if (error) return 0;
    FrameStats *a = frame_stats(w, w->n), *b = frame_stats(w, w->n + 1);
    if (!a || !b) return 0;
    double hc = 0.0;
    for (int k = 0; k < HIST_BINS; k++) hc += fabs(a->hist[k] - b->hist[k]);
    out->key = (Key){w->n, 0};
    int streaky = 0;
    if (streaks >= s->streak_share) {
        int others = 0;
        for (int i = -s->noise_window; i <= s->noise_window; i++) {
            if (i == 0 || !has_interval(w, i)) continue;
            IntervalStats other;
            if (!interval(w, w->n + i, &other)) return 0;
            /* with small block changes: a drawing's moving outline is a thin line of change too */
            others += other.streaks >= s->streak_share && other.block * CODE <= s->streak_block_max;
        }
        streaky = others >= s->streak_persistence;
    }
    const int still = block <= threshold && anchor <= threshold && !streaky;
    out->label = cut ? CUT : (still ? HOLD : MOTION);
    out->flash = flash;
    out->diff = diff;
    out->block = block;
    out->threshold = threshold;
    out->corr = has_c0 ? c0 : (still ? 1.0 : 0.0);
    out->anchor = anchor;
    out->streaks = streaks;
    out->hist = 0.5 * hc;
    out->isolation = isolation;
    return 1;
}

/* The decision for interval n (memoised); 0 on error. */
static int decision(Gate *d, int n, const VSFrame **src, FrameStats **stats, int first, const VSAPI *vsapi,
                    Decision *out) {
    if (memo_get(&d->lock, &d->decisions, n, 0, out)) return 1;
    const int r = d->s.radius, last = d->vi.numFrames - 1;
    const int lo = n - r < 0 ? 0 : n - r, hi = n + r + 1 > last ? last : n + r + 1;
    Window w = {d, n, lo - n, hi - n, first, src, stats, vsapi, {0, 0, 0, 0}};
    if (!shared_bands(&w)) return 0;
    if (!decide(&w, out)) return 0;
    memo_put(&d->lock, &d->decisions, out);
    return 1;
}

/* ---- the filters ------------------------------------------------------------------------- */

/* The frame numbers a request pinned at arInitial: memoised numbers of the frames of its window
 * (a reference each), so that arAllFramesReady finds them whatever the memo dropped meanwhile and
 * only the frames without them are requested from the source. In a linear read only the window's
 * newest frame is new: requesting all 2 x radius + 3 every time made VapourSynth's cache drop
 * frames and the source decode them again (measured at 1080p with anchor_window 12: 1.9 source
 * frames per output frame on one thread, 2.8 on two; 16: 2.5 and 5.5). */
typedef struct Pinned {
    FrameStats *stats[2 * 32 + 3];
    const VSFrame *frame; /* source frame n, when a FrameStats held it */
} Pinned;

static Pinned *pin(Gate *d, int n, int first, int count) {
    Pinned *p = calloc(1, sizeof(Pinned));
    if (p == NULL) return NULL;
    const VSFrame *behind[CAPACITY];
    int nbehind = 0;
    LOCK(&d->lock);
    for (int k = 0; k < CAPACITY; k++) {
        FrameStats *f = d->frames[k];
        if (f == NULL) continue;
        if (f->frame && f->n <= n) { /* n's own (taken), or behind the read: not asked for again */
            if (f->n == n && p->frame == NULL) p->frame = f->frame;
            else behind[nbehind++] = f->frame;
            f->frame = NULL;
            d->held--;
        }
        if (f->n >= first && f->n < first + count && p->stats[f->n - first] == NULL) {
            f->refs++;
            p->stats[f->n - first] = f;
        }
    }
    UNLOCK(&d->lock);
    for (int k = 0; k < nbehind; k++) d->vsapi->freeFrame(behind[k]);
    return p;
}

static void unpin(Gate *d, Pinned *p, int count) {
    if (p == NULL) return;
    for (int i = 0; i < count; i++) release(d, p->stats[i]);
    d->vsapi->freeFrame(p->frame); /* NULL is fine */
    free(p);
}

/* Holds source frame j (measured for a request of an earlier frame) in its FrameStats until
 * frame j's own request takes it: in a linear read the frame measured at the window's leading
 * edge is output radius + 1 frames later, and by then VapourSynth's cache had often dropped it,
 * so the source copied it out again (at 1080p with anchor_window 16 that tripled the kernel's
 * page-clearing time: perf). At most 2 x radius + 4 + a frame per VapourSynth thread are held (as
 * many outputs are in flight at once; a random read holds no more). */
static void hold_frame(Gate *d, FrameStats *f, const VSFrame *src) {
    const VSFrame *ref = d->vsapi->addFrameRef(src); /* before it is visible: pin() may take it at once */
    LOCK(&d->lock);
    if (f->frame == NULL && d->held < d->hold_limit) {
        f->frame = ref;
        ref = NULL;
        d->held++;
    }
    UNLOCK(&d->lock);
    d->vsapi->freeFrame(ref); /* not held; NULL is fine */
}

static const VSFrame *VS_CC gate_get_frame(int n, int reason, void *instance, void **frame_data, VSFrameContext *ctx,
                                           VSCore *core, const VSAPI *vsapi) {
    Gate *d = (Gate *)instance;
    const int before = d->s.radius + 1, count = 2 * d->s.radius + 3, last = d->vi.numFrames - 1;
    const int first = n - before;
    if (reason == arInitial) {
        if (d->analysis_only) {
            vsapi->requestFrameFilter(n, d->node, ctx);
        } else {
            Pinned *p = pin(d, n, first, count); /* NULL (out of memory): request every frame */
            *frame_data = p;
            int requests = 0;
            for (int i = 0; i < count; i++) {
                const int j = first + i;
                if (j >= 0 && j <= last && (p == NULL || p->stats[i] == NULL || (j == n && p->frame == NULL))) {
                    vsapi->requestFrameFilter(j, d->node, ctx);
                    requests++;
                }
            }
            if (requests) return NULL;
            /* everything was pinned: VapourSynth calls back only for requested frames, so the
             * frame is made now */
        }
        if (d->analysis_only) return NULL;
    } else if (reason == arError) {
        if (!d->analysis_only) unpin(d, (Pinned *)*frame_data, count);
        *frame_data = NULL;
        return NULL;
    } else if (reason != arAllFramesReady) {
        return NULL;
    }

    if (d->analysis_only) { /* GRAYS analysis picture, for tests and for looking at */
        const VSFrame *src = vsapi->getFrameFilter(n, d->node, ctx);
        VSVideoFormat fmt;
        vsapi->queryVideoFormat(&fmt, cfGray, stFloat, 32, 0, 0, core);
        VSFrame *out = vsapi->newVideoFrame(&fmt, d->g.w, d->g.h, src, core);
        float *x = malloc(d->npix * sizeof(float));
        int ok = x && analysis(d, src, vsapi, x);
        if (ok) {
            uint8_t *dst = vsapi->getWritePtr(out, 0);
            ptrdiff_t stride = vsapi->getStride(out, 0);
            for (int i = 0; i < d->g.h; i++) memcpy(dst + i * stride, x + (ptrdiff_t)i * d->g.w, d->g.w * sizeof(float));
        }
        free(x);
        vsapi->freeFrame(src);
        if (!ok) {
            vsapi->freeFrame(out);
            vsapi->setFilterError("ainimotion.Analysis: cannot read the frame (GPU-resident or out of memory)", ctx);
            return NULL;
        }
        return out;
    }

    const VSFrame *src[2 * 32 + 3] = {0};
    FrameStats *stats[2 * 32 + 3] = {0};
    Pinned *pinned = (Pinned *)*frame_data;
    *frame_data = NULL;
    for (int i = 0; i < count; i++) {
        const int j = first + i;
        if (j < 0 || j > last) continue;
        if (pinned && pinned->stats[i]) {
            stats[i] = pinned->stats[i]; /* its reference moves to stats[], released below */
            pinned->stats[i] = NULL;
        }
        if (j == n && pinned && pinned->frame) src[i] = pinned->frame; /* its reference moves to src[] */
        else if (stats[i] == NULL || j == n) src[i] = vsapi->getFrameFilter(j, d->node, ctx);
    }
    free(pinned);
    VSFrame *out = vsapi->copyFrame(src[before], core);
    VSMap *p = vsapi->getFramePropertiesRW(out);
    Decision dn, dp;
    int ok = 1, has = n < last;
    if (has) ok = decision(d, n, src, stats, first, vsapi, &dn);
    int prev_cut = n == 0;
    if (ok && n > 0) {
        ok = decision(d, n - 1, src, stats, first, vsapi, &dp);
        prev_cut = ok && dp.label == CUT;
    }
    for (int i = 0; i < count; i++) {
        if (ok && src[i] && stats[i] && first + i > n) hold_frame(d, stats[i], src[i]);
        release(d, stats[i]);
        vsapi->freeFrame(src[i]); /* NULL is fine */
    }
    if (!ok) {
        vsapi->freeFrame(out);
        vsapi->setFilterError("ainimotion.Gate: cannot measure a frame (GPU-resident or out of memory)", ctx);
        return NULL;
    }
    if (!has) { /* the last frame has no interval: "cut" */
        dn = (Decision){{n, 0}, CUT, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    }
    vsapi->mapSetData(p, "AinimotionInterval", LABEL[dn.label], -1, dtUtf8, maReplace);
    vsapi->mapSetFloat(p, "AinimotionDiff", dn.diff, maReplace);
    vsapi->mapSetFloat(p, "AinimotionBlockMax", dn.block, maReplace);
    vsapi->mapSetFloat(p, "AinimotionAnchorMax", dn.anchor, maReplace);
    vsapi->mapSetFloat(p, "AinimotionStreaks", dn.streaks, maReplace);
    vsapi->mapSetFloat(p, "AinimotionHoldThreshold", dn.threshold, maReplace);
    vsapi->mapSetFloat(p, "AinimotionCorr", dn.corr, maReplace);
    vsapi->mapSetFloat(p, "AinimotionHistDiff", dn.hist, maReplace);
    vsapi->mapSetFloat(p, "AinimotionIsolation", dn.isolation, maReplace);
    vsapi->mapSetInt(p, "AinimotionFlash", dn.flash, maReplace);
    vsapi->mapSetInt(p, "_SceneChangeNext", dn.label == CUT, maReplace);
    vsapi->mapSetInt(p, "_SceneChangePrev", prev_cut, maReplace);
    return out;
}

static void VS_CC gate_free(void *instance, VSCore *core, const VSAPI *vsapi) {
    Gate *d = (Gate *)instance;
    for (int k = 0; k < CAPACITY; k++) release(d, d->frames[k]);
    vsapi->freeNode(d->node);
    LOCK_FREE(&d->lock);
    free(d->by);
    free(d->bx);
    free(d->by_lo);
    free(d->by_hi);
    free(d->bx_lo);
    free(d->bx_hi);
    free(d);
}

/* Reads a row-major matrix of `cols` columns and the first/past-last non-zero of each row. */
static int matrix(const VSMap *in, const char *key, int cols, const VSAPI *vsapi, float **m, int **lo, int **hi,
                  int *rows) {
    int err = 0, count = vsapi->mapNumElements(in, key);
    const double *v = vsapi->mapGetFloatArray(in, key, &err);
    if (err || count < cols || count % cols) return 0;
    *rows = count / cols;
    *m = malloc(count * sizeof(float));
    *lo = malloc(*rows * sizeof(int));
    *hi = malloc(*rows * sizeof(int));
    if (!*m || !*lo || !*hi) return 0;
    for (int r = 0; r < *rows; r++) {
        int a = cols, b = 0;
        for (int c = 0; c < cols; c++) {
            float x = (float)v[(ptrdiff_t)r * cols + c];
            (*m)[(ptrdiff_t)r * cols + c] = x;
            if (x != 0.0f) {
                if (c < a) a = c;
                b = c + 1;
            }
        }
        (*lo)[r] = a < b ? a : 0;
        (*hi)[r] = a < b ? b : 0;
    }
    return 1;
}

static void VS_CC gate_create(const VSMap *in, VSMap *out, void *user_data, VSCore *core, const VSAPI *vsapi) {
    const int analysis_only = user_data != NULL;
    const char *name = analysis_only ? "ainimotion.Analysis" : "ainimotion.Gate";
    char msg[256];
    Gate *d = calloc(1, sizeof(Gate));
    if (!d) {
        vsapi->mapSetError(out, "ainimotion: out of memory");
        return;
    }
    int err = 0;
    d->node = vsapi->mapGetNode(in, "clip", 0, &err);
    d->vsapi = vsapi;
    d->vi = *vsapi->getVideoInfo(d->node);
    d->analysis_only = analysis_only;
    const VSVideoFormat *f = &d->vi.format;
    Geometry *g = &d->g;
#define INT(key) ((int)vsapi->mapGetInt(in, key, 0, &err))
#define FLT(key) (vsapi->mapGetFloat(in, key, 0, &err))
    g->w = INT("width");
    g->h = INT("height");
    g->x0 = INT("x0");
    g->y0 = INT("y0");
    g->cell = INT("cell");
    int nrows = vsapi->mapNumElements(in, "rows"), ncols = vsapi->mapNumElements(in, "cols");
    int nweights = vsapi->mapNumElements(in, "weights");
    const char *problem = NULL;
    if (f->colorFamily == cfUndefined || d->vi.width == 0 || d->vi.height == 0)
        problem = "the clip must have a constant format and size";
    else if (!((f->sampleType == stInteger && f->bitsPerSample <= 16) || (f->sampleType == stFloat && f->bitsPerSample == 32)))
        problem = "the clip must be 8-16 bit integer or 32-bit float";
    else if (nrows != 2 || ncols < 1 || ncols > MAX_COLS || nweights < 1 || nweights > 3 ||
             nweights > f->numPlanes || g->cell < 1)
        problem = "bad geometry arguments";
    if (!problem) {
        for (int k = 0; k < 2; k++) g->rows[k] = (int)vsapi->mapGetInt(in, "rows", k, &err);
        g->ncols = ncols;
        for (int k = 0; k < ncols; k++) g->cols[k] = (int)vsapi->mapGetInt(in, "cols", k, &err);
        g->nplanes = nweights;
        for (int k = 0; k < nweights; k++) g->weights[k] = (float)vsapi->mapGetFloat(in, "weights", k, &err);
        g->is_float = f->sampleType == stFloat;
        int inside = g->w >= 1 && g->h >= 1 && g->x0 >= 0 && g->y0 >= 0 && g->x0 + g->w * g->cell <= d->vi.width &&
                     g->y0 + g->h * g->cell <= d->vi.height;
        for (int k = 0; k < 2; k++) inside &= g->rows[k] >= 0 && g->rows[k] < g->cell;
        for (int k = 0; k < ncols; k++) inside &= g->cols[k] >= 0 && g->cols[k] < g->cell;
        if (!inside) problem = "the cells do not fit the clip";
    }
    d->npix = (ptrdiff_t)g->w * g->h;
    d->nstruct = (ptrdiff_t)((g->h + 1) / 2) * ((g->w + 1) / 2);
    if (!problem && !analysis_only) {
        Settings *s = &d->s;
        s->radius = INT("radius");
        s->noise_window = INT("noise_window");
        s->cut_window = INT("cut_window");
        s->anchor_window = INT("anchor_window");
        s->anchor_tolerance = FLT("anchor_tolerance");
        s->streak_level = FLT("streak_level");
        s->streak_noise_factor = FLT("streak_noise_factor");
        s->streak_share = FLT("streak_share");
        s->streak_persistence = INT("streak_persistence");
        s->streak_block_max = FLT("streak_block_max");
        s->hold_threshold = FLT("hold_threshold");
        s->hold_noise_factor = FLT("hold_noise_factor");
        s->hold_threshold_max = FLT("hold_threshold_max");
        s->flat_sigma = FLT("flat_sigma");
        s->band_level = FLT("band_level");
        s->cut_min_dissimilarity = FLT("cut_min_dissimilarity");
        s->cut_isolation = FLT("cut_isolation");
        s->strong_cut_dissimilarity = FLT("strong_cut_dissimilarity");
        s->strong_cut_hist = FLT("strong_cut_hist");
        s->flash_return = FLT("flash_return");
        Fine *fn = &d->fine;
        fn->step = INT("fine_step");
        fn->cell = INT("fine_cell");
        fn->nweights = vsapi->mapNumElements(in, "fine_weights");
        for (int k = 0; k < fn->nweights && k < 3; k++) fn->weights[k] = (float)vsapi->mapGetFloat(in, "fine_weights", k, &err);
        fn->exact = fn->nweights == 1 && f->sampleType == stInteger;
        fn->peak = f->sampleType == stInteger ? (double)((1 << f->bitsPerSample) - 1) : 1.0;
        if (s->radius < 2 || s->radius > 32 || s->noise_window > s->radius || s->cut_window > s->radius ||
            s->anchor_window > s->radius || s->noise_window < 1 || s->cut_window < 1 || s->anchor_window < 1)
            problem = "bad window sizes";
        else if (fn->step < 1 || fn->cell < 1 || fn->nweights < 1 || fn->nweights > 3 || fn->nweights > f->numPlanes)
            problem = "bad fine-sample arguments";
        else if (!matrix(in, "block_y", g->h, vsapi, &d->by, &d->by_lo, &d->by_hi, &d->bh) ||
                 !matrix(in, "block_x", g->w, vsapi, &d->bx, &d->bx_lo, &d->bx_hi, &d->bw))
            problem = "bad block matrices";
    }
    if (!problem && err) problem = "missing arguments";
    if (problem) {
        snprintf(msg, sizeof msg, "%s: %s", name, problem);
        vsapi->mapSetError(out, msg);
        vsapi->freeNode(d->node);
        free(d->by), free(d->bx), free(d->by_lo), free(d->by_hi), free(d->bx_lo), free(d->bx_hi);
        free(d);
        return;
    }
    VSCoreInfo info;
    vsapi->getCoreInfo(core, &info);
    d->hold_limit = 2 * d->s.radius + 4 + info.numThreads;
    memo_init(&d->covs, d->cov_items, sizeof d->cov_items[0], 4 * CAPACITY);
    memo_init(&d->decisions, d->decision_items, sizeof d->decision_items[0], CAPACITY);
    LOCK_INIT(&d->lock);
    VSFilterDependency deps[] = {{d->node, analysis_only ? rpStrictSpatial : rpGeneral}};
    if (analysis_only) {
        VSVideoInfo vi = d->vi;
        vsapi->queryVideoFormat(&vi.format, cfGray, stFloat, 32, 0, 0, core);
        vi.width = g->w;
        vi.height = g->h;
        vsapi->createVideoFilter(out, "Analysis", &vi, gate_get_frame, gate_free, fmParallel, deps, 1, d, core);
    } else {
        vsapi->createVideoFilter(out, "Gate", &d->vi, gate_get_frame, gate_free, fmParallel, deps, 1, d, core);
    }
}

#define GEOMETRY "clip:vnode;width:int;height:int;x0:int;y0:int;cell:int;rows:int[];cols:int[];weights:float[];"

VS_EXTERNAL_API(void) VapourSynthPluginInit2(VSPlugin *plugin, const VSPLUGINAPI *vspapi) {
    vspapi->configPlugin("com.ainimotion.gate", "ainimotion", "ainimotion_vs gate (cut/hold/motion labels)",
                         VS_MAKE_VERSION(1, 0), VAPOURSYNTH_API_VERSION, 0, plugin);
    vspapi->registerFunction("Gate",
                             GEOMETRY "block_y:float[];block_x:float[];radius:int;noise_window:int;cut_window:int;"
                                      "anchor_window:int;anchor_tolerance:float;fine_step:int;fine_cell:int;fine_weights:float[];streak_level:float;"
                                      "streak_noise_factor:float;streak_share:float;streak_persistence:int;streak_block_max:float;"
                                      "hold_threshold:float;hold_noise_factor:float;hold_threshold_max:float;"
                                      "flat_sigma:float;band_level:float;cut_min_dissimilarity:float;cut_isolation:float;"
                                      "strong_cut_dissimilarity:float;strong_cut_hist:float;flash_return:float;",
                             "clip:vnode;", gate_create, NULL, plugin);
    vspapi->registerFunction("Analysis", GEOMETRY, "clip:vnode;", gate_create, (void *)1, plugin);
}

/* setuptools builds every extension as a Python module and (on Windows) exports its init
 * function; this library is not one (load it with core.std.LoadPlugin). */
#ifdef _WIN32
__declspec(dllexport)
#endif
void *PyInit__gatevs(void) { return NULL; }
