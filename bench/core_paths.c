/*
 * core_paths: how fast is each rung of the copy core, against what the hardware and the
 * plain CUDA calls give, measured side by side in one run.
 *
 * For each size (4 KiB .. 1 GiB, or --max), medians of timed copies (each timed from the
 * call to the end of its synchronize; ferry's calls return when the bytes have arrived):
 *   raw-peer      cudaMemcpyPeerAsync with peer access enabled
 *   ferry-peer    ferry_copy on its peer rung
 *   drv-staged    cudaMemcpyPeerAsync without peer access (the driver's own staging)
 *   ceiling       the host-staging ceiling: a pinned device-to-host copy on the source GPU
 *                 and a pinned host-to-device copy on the destination, both at once
 *   ferry-pinned  ferry_copy on its pinned staging rung (policy never-peer)
 *   pageable      cudaMemcpy to pageable host memory, then to the other device (what
 *                 t.cpu().to(dev) does)
 *   ferry-pageable ferry_copy on its pageable rung (policies never-peer, no-pinned)
 * then the ratios the design asks for (raw-peer and ferry-peer are timed in turn, and ferry's
 * overhead is the median of the differences of those pairs). With one GPU (or --one), both buffers are on device 0
 * and the staged rungs are forced (always-stage); raw-peer/ferry-peer become a device-to-
 * device copy and its ferry counterpart, drv-staged is left out.
 *
 * Every ferry copy's bytes are checked once per size. Options: --max BYTES, --reps N
 * (small sizes; large ones use fewer), --chunk BYTES --slots N (ferry's staging),
 * --sweep (pinned-rung bandwidth at 256 MiB, or --sweep-size BYTES, for chunk sizes x slot
 * counts, and a hand-written pipeline of fixed pieces beside it, the yardstick), --csv FILE
 * (the GB/s table as CSV: what `ferry report` plots).
 *
 *   build/bench/core_paths                       on a GPU machine
 *   ferry sim --devices 2 -- build/bench/core_paths --max 4M --reps 3   (a smoke run)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ferry.h"

#define MAXREPS 401

enum col { RAW_PEER, FERRY_PEER, DRV_STAGED, CEILING, F_PINNED, PAGEABLE, F_PAGEABLE, NCOL };

static const char *const col_names[NCOL] = { "raw-peer", "ferry-peer", "drv-staged", "ceiling",
					     "ferry-pinned", "pageable", "ferry-pageable" };

struct bench {
	bool one;
	int dst_dev;
	size_t max, chunk, sweep_n;
	unsigned slots;
	int reps;
	unsigned char *src, *dst;	/* device buffers of max bytes */
	unsigned char *pin_a, *pin_b;	/* pinned, for the ceiling */
	unsigned char *page;		/* pageable, for the pageable fallback */
	cudaStream_t s0, s1;
	ferry_ctx *peer_ctx, *pinned_ctx, *pageable_ctx;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void check(cudaError_t e, const char *what)
{
	if (e != cudaSuccess) {
		fprintf(stderr, "core_paths: %s: %s\n", what, cudaGetErrorString(e));
		exit(1);
	}
}

static void check_ferry(ferry_status st, const ferry_report *r, const char *what)
{
	if (st != FERRY_OK) {
		fprintf(stderr, "core_paths: %s: %s: %s\n", what, ferry_status_name(st), r->message);
		exit(1);
	}
}

/* One timed run of column c at n bytes, in seconds. */
static double run_once(struct bench *b, enum col c, size_t n)
{
	ferry_report rep;
	double t0 = now_s();

	switch (c) {
	case RAW_PEER:
		if (b->one)
			check(cudaMemcpyAsync(b->dst, b->src, n, cudaMemcpyDeviceToDevice, b->s1),
			      "d2d");
		else
			check(cudaMemcpyPeerAsync(b->dst, b->dst_dev, b->src, 0, n, b->s1),
			      "peer copy");
		check(cudaStreamSynchronize(b->s1), "sync");
		break;
	case DRV_STAGED:
		check(cudaMemcpyPeerAsync(b->dst, b->dst_dev, b->src, 0, n, b->s1), "staged peer");
		check(cudaStreamSynchronize(b->s1), "sync");
		break;
	case CEILING:
		check(cudaMemcpyAsync(b->pin_a, b->src, n, cudaMemcpyDeviceToHost, b->s0), "d2h");
		check(cudaMemcpyAsync(b->dst, b->pin_b, n, cudaMemcpyHostToDevice, b->s1), "h2d");
		check(cudaStreamSynchronize(b->s0), "sync");
		check(cudaStreamSynchronize(b->s1), "sync");
		break;
	case PAGEABLE:
		check(cudaMemcpy(b->page, b->src, n, cudaMemcpyDeviceToHost), "d2h pageable");
		check(cudaMemcpy(b->dst, b->page, n, cudaMemcpyHostToDevice), "h2d pageable");
		break;
	case FERRY_PEER:
		check_ferry(ferry_copy(b->peer_ctx, b->dst, b->dst_dev, b->src, 0, n, b->s1, &rep),
			    &rep, "ferry peer");
		break;
	case F_PINNED:
		check_ferry(ferry_copy(b->pinned_ctx, b->dst, b->dst_dev, b->src, 0, n, b->s1,
				       &rep),
			    &rep, "ferry pinned");
		break;
	case F_PAGEABLE:
		check_ferry(ferry_copy(b->pageable_ctx, b->dst, b->dst_dev, b->src, 0, n, b->s1,
				       &rep),
			    &rep, "ferry pageable");
		break;
	case NCOL:
		break;
	}
	return now_s() - t0;
}

static int reps_for(const struct bench *b, enum col c, size_t n)
{
	int r = n <= (1u << 20) ? b->reps : n <= (64u << 20) ? 15 : 5;

	if ((c == PAGEABLE || c == F_PAGEABLE) && n >= (256u << 20))
		r = 3;
	return r < 1 ? 1 : r;
}

/* Median seconds of column c at n bytes (after one warm-up run). */
static double median(struct bench *b, enum col c, size_t n)
{
	double t[MAXREPS];
	int r = reps_for(b, c, n);

	if (r > MAXREPS)
		r = MAXREPS;
	run_once(b, c, n);
	for (int i = 0; i < r; i++)
		t[i] = run_once(b, c, n);
	qsort(t, (size_t)r, sizeof(t[0]), cmp_double);
	return t[r / 2];
}

/* The raw copy and ferry's, timed in turn (raw, ferry, raw, ferry ...) so that drift in the
 * machine hits both alike: their medians, and the median of the per-pair differences (ferry's
 * overhead over the raw call). */
static void paired(struct bench *b, size_t n, double *raw, double *fer, double *diff)
{
	double tr[MAXREPS], tf[MAXREPS], td[MAXREPS];
	int r = reps_for(b, RAW_PEER, n);

	if (r > MAXREPS)
		r = MAXREPS;
	run_once(b, RAW_PEER, n);
	run_once(b, FERRY_PEER, n);
	for (int i = 0; i < r; i++) {
		tr[i] = run_once(b, RAW_PEER, n);
		tf[i] = run_once(b, FERRY_PEER, n);
		td[i] = tf[i] - tr[i];
	}
	qsort(tr, (size_t)r, sizeof(tr[0]), cmp_double);
	qsort(tf, (size_t)r, sizeof(tf[0]), cmp_double);
	qsort(td, (size_t)r, sizeof(td[0]), cmp_double);
	*raw = tr[r / 2];
	*fer = tf[r / 2];
	*diff = td[r / 2];
}

/* Checks that ferry context ctx delivers n patterned bytes exactly, by the expected path. */
static void verify(struct bench *b, ferry_ctx *ctx, size_t n, ferry_path want)
{
	unsigned char *h = malloc(n), *back = malloc(n);
	ferry_report rep;

	for (size_t i = 0; i < n; i++)
		h[i] = (unsigned char)(i * 131 + n);
	check(cudaMemcpy(b->src, h, n, cudaMemcpyHostToDevice), "fill");
	check(cudaMemcpy(b->dst, b->page, n, cudaMemcpyHostToDevice), "clear");
	check_ferry(ferry_copy(ctx, b->dst, b->dst_dev, b->src, 0, n, b->s1, &rep), &rep, "verify");
	check(cudaMemcpy(back, b->dst, n, cudaMemcpyDeviceToHost), "read back");
	if (memcmp(h, back, n) != 0 || rep.path != want) {
		fprintf(stderr, "core_paths: %zu bytes by %s: %s (wanted %s)\n", n,
			ferry_path_name(rep.path), memcmp(h, back, n) ? "WRONG BYTES" : "exact",
			ferry_path_name(want));
		exit(1);
	}
	free(h);
	free(back);
}

static ferry_ctx *make_ctx(const struct bench *b, unsigned flags, size_t chunk, unsigned slots)
{
	ferry_config cfg;
	ferry_ctx *ctx;

	ferry_config_default(&cfg);
	if (chunk)
		cfg.chunk_bytes = chunk;
	if (slots)
		cfg.slots = slots;
	cfg.pinned_budget = cfg.chunk_bytes * cfg.slots;
	cfg.flags = flags | (b->one ? FERRY_ALWAYS_STAGE : 0);
	if (ferry_ctx_init(&ctx, &cfg) != FERRY_OK) {
		fprintf(stderr, "core_paths: bad ferry config\n");
		exit(1);
	}
	return ctx;
}

/* A hand-written pinned pipeline without ferry (fixed pieces of chunk bytes, slots slots,
 * lanes pairs of streams used in turn), the yardstick for ferry's: seconds for n bytes. */
static double raw_pipeline(struct bench *b, size_t n, size_t chunk, unsigned slots, unsigned lanes)
{
	cudaStream_t so[4], si[4];
	cudaEvent_t eo[64], ei[64];
	double t[15], t0;
	size_t pieces = (n + chunk - 1) / chunk;

	for (unsigned l = 0; l < lanes; l++) {
		cudaSetDevice(0);
		cudaStreamCreateWithFlags(&so[l], cudaStreamNonBlocking);
		cudaSetDevice(b->dst_dev);
		cudaStreamCreateWithFlags(&si[l], cudaStreamNonBlocking);
	}
	for (unsigned k = 0; k < slots; k++) {
		cudaSetDevice(0);
		cudaEventCreateWithFlags(&eo[k], cudaEventDisableTiming);
		cudaSetDevice(b->dst_dev);
		cudaEventCreateWithFlags(&ei[k], cudaEventDisableTiming);
	}
	for (int r = 0; r < 15; r++) {
		t0 = now_s();
		for (size_t i = 0; i < pieces; i++) {
			unsigned k = (unsigned)(i % slots), l = (unsigned)(i % lanes);
			size_t off = i * chunk, len = n - off < chunk ? n - off : chunk;

			if (i >= slots)
				cudaStreamWaitEvent(so[l], ei[k], 0);
			cudaMemcpyAsync(b->pin_a + (size_t)k * chunk, b->src + off, len,
					cudaMemcpyDeviceToHost, so[l]);
			cudaEventRecord(eo[k], so[l]);
			cudaStreamWaitEvent(si[l], eo[k], 0);
			cudaMemcpyAsync(b->dst + off, b->pin_a + (size_t)k * chunk, len,
					cudaMemcpyHostToDevice, si[l]);
			cudaEventRecord(ei[k], si[l]);
		}
		for (unsigned l = 0; l < lanes; l++) {
			cudaStreamSynchronize(so[l]);
			cudaStreamSynchronize(si[l]);
		}
		t[r] = now_s() - t0;
	}
	check(cudaGetLastError(), "raw pipeline");
	for (unsigned l = 0; l < lanes; l++) {
		cudaStreamDestroy(so[l]);
		cudaStreamDestroy(si[l]);
	}
	for (unsigned k = 0; k < slots; k++) {
		cudaEventDestroy(eo[k]);
		cudaEventDestroy(ei[k]);
	}
	qsort(t, 15, sizeof(t[0]), cmp_double);
	return t[7];
}

static void raw_pipelines(struct bench *b)
{
	const size_t ns[] = { 16u << 20, 64u << 20, 512u << 20 };

	printf("\nhand-written pipeline GB/s (chunk x slots x lanes), beside ferry-pinned and the "
	       "ceiling:\n");
	for (size_t i = 0; i < 3 && ns[i] <= b->max; i++) {
		size_t n = ns[i];

		printf("%5zu MiB: ceiling %.1f ferry %.1f |", n >> 20,
		       (double)n / median(b, CEILING, n) / 1e9,
		       (double)n / median(b, F_PINNED, n) / 1e9);
		for (size_t c = 1u << 20; c <= (16u << 20) && 4 * c <= b->max; c *= 2)
			for (unsigned lanes = 1; lanes <= 2; lanes++)
				printf(" %zuMx4x%u %.1f", c >> 20, lanes,
				       (double)n / raw_pipeline(b, n, c, 4, lanes) / 1e9);
		printf("\n");
	}
}

/* What the checks ferry makes before a copy cost, per call (medians of 9 x 10000). */
static void calls(struct bench *b)
{
	const char *names[] = { "cudaPeekAtLastError", "cudaPointerGetAttributes",
				"cudaStreamIsCapturing", "cudaStreamSynchronize (idle)" };

	printf("\nper call (ns):");
	for (int w = 0; w < 4; w++) {
		double t[9];

		for (int r = 0; r < 9; r++) {
			double t0 = now_s();

			for (int i = 0; i < 10000; i++) {
				struct cudaPointerAttributes a;
				enum cudaStreamCaptureStatus cs;

				if (w == 0)
					cudaPeekAtLastError();
				else if (w == 1)
					cudaPointerGetAttributes(&a, b->src + i);
				else if (w == 2)
					cudaStreamIsCapturing(b->s1, &cs);
				else
					cudaStreamSynchronize(b->s1);
			}
			t[r] = (now_s() - t0) / 10000 * 1e9;
		}
		qsort(t, 9, sizeof(t[0]), cmp_double);
		printf("  %s %.0f", names[w], t[4]);
	}
	printf("\n");
	if (b->one)
		return;
	/* where ferry's overhead on a small peer copy goes: the raw copy, the raw copy after the
	 * same checks ferry makes, and ferry's copy, in turn */
	{
		enum { REPS = 2001 };
		static double t[3][REPS];
		ferry_report rep;

		for (int r = 0; r < REPS; r++) {
			for (int w = 0; w < 3; w++) {
				double t0 = now_s();
				struct cudaPointerAttributes a;
				enum cudaStreamCaptureStatus cs;

				if (w == 2) {
					ferry_copy(b->peer_ctx, b->dst, 1, b->src, 0, 4096, b->s1, &rep);
				} else {
					if (w == 1) {
						cudaPeekAtLastError();
						cudaPointerGetAttributes(&a, b->dst);
						cudaPointerGetAttributes(&a, b->src);
						cudaStreamIsCapturing(b->s1, &cs);
					}
					cudaMemcpyPeerAsync(b->dst, 1, b->src, 0, 4096, b->s1);
					cudaStreamSynchronize(b->s1);
				}
				t[w][r] = (now_s() - t0) * 1e6;
			}
		}
		for (int w = 0; w < 3; w++)
			qsort(t[w], REPS, sizeof(t[w][0]), cmp_double);
		printf("4 KiB peer copy (us, medians of %d in turn): raw %.2f, raw after ferry's "
		       "checks %.2f, ferry %.2f\n",
		       REPS, t[0][REPS / 2], t[1][REPS / 2], t[2][REPS / 2]);
	}
}

static void sweep(struct bench *b)
{
	const size_t chunks[] = { 1u << 20, 2u << 20, 4u << 20, 8u << 20, 16u << 20, 32u << 20 };
	const unsigned slots[] = { 2, 3, 4, 6, 8 };
	size_t n = b->sweep_n ? b->sweep_n : b->max < (256u << 20) ? b->max : (256u << 20);

	if (n > b->max)
		n = b->max;

	printf("\nsweep: ferry-pinned GB/s at %zu MiB (ceiling %.1f)\nchunk\\slots", n >> 20,
	       (double)n / median(b, CEILING, n) / 1e9);
	for (size_t j = 0; j < sizeof(slots) / sizeof(slots[0]); j++)
		printf(" %6u", slots[j]);
	printf("\n");
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		printf("%6zu MiB ", chunks[i] >> 20);
		for (size_t j = 0; j < sizeof(slots) / sizeof(slots[0]); j++) {
			ferry_ctx *saved = b->pinned_ctx;

			b->pinned_ctx = make_ctx(b, FERRY_NEVER_PEER, chunks[i], slots[j]);
			printf(" %6.1f", (double)n / median(b, F_PINNED, n) / 1e9);
			fflush(stdout);
			ferry_ctx_fini(b->pinned_ctx);
			b->pinned_ctx = saved;
		}
		printf("\n");
	}
}

/* The GB/s table as CSV (for `ferry report`'s bandwidth plot): a comment line saying what it
 * is, a header "bytes,COLUMN...", one row per size; a column not measured is empty. Written
 * beside, then renamed over: whole or not at all. */
static bool write_csv(const char *path, const size_t *sizes, int n, double (*gbs)[NCOL],
		      bool one)
{
	char tmp[4096];
	FILE *f;
	bool ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "core_paths: cannot write %s\n", tmp);
		return false;
	}
	fprintf(f, "# bench/core_paths: GB/s (1e9 bytes/s), medians, %s\nbytes",
		one ? "one GPU" : "device 0 -> 1");
	for (int c = 0; c < NCOL; c++)
		fprintf(f, ",%s", col_names[c]);
	fputc('\n', f);
	for (int i = 0; i < n; i++) {
		fprintf(f, "%zu", sizes[i]);
		for (int c = 0; c < NCOL; c++) {
			if (gbs[i][c] > 0)
				fprintf(f, ",%.3f", gbs[i][c]);
			else
				fputc(',', f);
		}
		fputc('\n', f);
	}
	ok = fclose(f) == 0 && rename(tmp, path) == 0;
	if (!ok) {
		fprintf(stderr, "core_paths: cannot write %s\n", path);
		remove(tmp);
	}
	return ok;
}

int main(int argc, char **argv)
{
	struct bench b = { .max = 1u << 30, .reps = 101 };
	static double gbs[32][NCOL], sec[32][NCOL], overhead[32];
	size_t sizes[32];
	int nsizes = 0, ndev = 0, can = 0;
	bool do_sweep = false;
	const char *csv = NULL;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : "0";
		char *end;
		size_t x = strtoull(v, &end, 0);

		if (*end == 'K')
			x <<= 10;
		else if (*end == 'M')
			x <<= 20;
		else if (*end == 'G')
			x <<= 30;
		if (!strcmp(argv[i], "--max"))
			b.max = x, i++;
		else if (!strcmp(argv[i], "--reps"))
			b.reps = (int)x, i++;
		else if (!strcmp(argv[i], "--chunk"))
			b.chunk = x, i++;
		else if (!strcmp(argv[i], "--slots"))
			b.slots = (unsigned)x, i++;
		else if (!strcmp(argv[i], "--one"))
			b.one = true;
		else if (!strcmp(argv[i], "--sweep"))
			do_sweep = true;
		else if (!strcmp(argv[i], "--csv") && i + 1 < argc)
			csv = argv[++i];
		else if (!strcmp(argv[i], "--sweep-size"))
			b.sweep_n = x, do_sweep = true, i++;
		else {
			fprintf(stderr, "core_paths: unknown option '%s'\n", argv[i]);
			return 2;
		}
	}
	check(cudaGetDeviceCount(&ndev), "device count");
	if (ndev < 2)
		b.one = true;
	b.dst_dev = b.one ? 0 : 1;
	for (size_t n = 4096; n <= b.max && nsizes < 32; n *= n < (64u << 20) ? 4 : 2)
		sizes[nsizes++] = n;
	if (nsizes && sizes[nsizes - 1] != b.max && b.max > 4096)
		sizes[nsizes++] = b.max;

	check(cudaSetDevice(0), "set device");
	check(cudaMalloc((void **)&b.src, b.max), "malloc src");
	check(cudaStreamCreateWithFlags(&b.s0, cudaStreamNonBlocking), "stream");
	check(cudaHostAlloc((void **)&b.pin_a, b.max, cudaHostAllocPortable), "pinned");
	check(cudaHostAlloc((void **)&b.pin_b, b.max, cudaHostAllocPortable), "pinned");
	b.page = malloc(b.max);
	memset(b.page, 1, b.max);
	memset(b.pin_a, 1, b.max);
	memset(b.pin_b, 1, b.max);
	check(cudaSetDevice(b.dst_dev), "set device");
	check(cudaMalloc((void **)&b.dst, b.max), "malloc dst");
	check(cudaStreamCreateWithFlags(&b.s1, cudaStreamNonBlocking), "stream");
	check(cudaMemset(b.dst, 1, b.max), "memset");
	check(cudaDeviceSynchronize(), "sync");
	check(cudaSetDevice(0), "set device");
	check(cudaMemset(b.src, 1, b.max), "memset");
	check(cudaDeviceSynchronize(), "sync");
	if (!b.one)
		check(cudaDeviceCanAccessPeer(&can, 1, 0), "can access peer");

	b.peer_ctx = make_ctx(&b, 0, b.chunk, b.slots);
	b.pinned_ctx = make_ctx(&b, FERRY_NEVER_PEER, b.chunk, b.slots);
	b.pageable_ctx = make_ctx(&b, FERRY_NEVER_PEER | FERRY_NO_PINNED, b.chunk, b.slots);
	printf("core_paths: %s, sizes 4 KiB .. %zu MiB, medians; GB/s = 1e9 bytes/s\n",
	       b.one ? "one GPU (staging between two buffers of device 0)" : "device 0 -> 1",
	       b.max >> 20);

	/* without peer access first: the driver's staging, the ceiling, the staged rungs */
	for (int i = 0; i < nsizes; i++) {
		size_t n = sizes[i];

		for (int c = 0; c < NCOL; c++) {
			if (c == RAW_PEER || c == FERRY_PEER || (c == DRV_STAGED && b.one))
				continue;
			sec[i][c] = median(&b, (enum col)c, n);
		}
	}
	verify(&b, b.pinned_ctx, sizes[nsizes - 1] - 1, FERRY_PATH_STAGED_PINNED);
	verify(&b, b.pageable_ctx, sizes[nsizes - 1] - 3, FERRY_PATH_STAGED_PAGEABLE);
	/* then peer access (ferry's peer rung enables it and self-tests the pair) */
	if (!b.one && can) {
		ferry_report rep;

		check_ferry(ferry_copy(b.peer_ctx, b.dst, 1, b.src, 0, 4096, b.s1, &rep), &rep,
			    "first peer copy");
		printf("peer self-test: %.2f ms (once per pair)\n", (double)rep.self_test_ns / 1e6);
		verify(&b, b.peer_ctx, sizes[nsizes - 1] - 5, FERRY_PATH_PEER);
	} else if (b.one) {
		verify(&b, b.peer_ctx, sizes[nsizes - 1] - 5, FERRY_PATH_STAGED_PINNED);
	}
	if (b.one || can) {
		if (b.one) {
			/* one GPU: ferry's same-device rung is the raw copy's counterpart */
			ferry_ctx_fini(b.peer_ctx);
			b.one = false;
			b.peer_ctx = make_ctx(&b, 0, b.chunk, b.slots);
			b.one = true;
		}
		for (int i = 0; i < nsizes; i++) {
			paired(&b, sizes[i], &sec[i][RAW_PEER], &sec[i][FERRY_PEER], &overhead[i]);
		}
	}

	printf("\n%10s", "bytes");
	for (int c = 0; c < NCOL; c++)
		printf(" %14s", col_names[c]);
	printf("   (GB/s)\n");
	for (int i = 0; i < nsizes; i++) {
		printf("%10zu", sizes[i]);
		for (int c = 0; c < NCOL; c++) {
			gbs[i][c] = sec[i][c] > 0 ? (double)sizes[i] / sec[i][c] / 1e9 : 0;
			if (sec[i][c] > 0)
				printf(" %14.2f", gbs[i][c]);
			else
				printf(" %14s", "-");
		}
		printf("\n");
	}
	if (csv && !write_csv(csv, sizes, nsizes, gbs, b.one))
		return 1;
	printf("\nratios (same run):\n");
	for (int i = 0; i < nsizes; i++) {
		double *g = gbs[i];

		printf("%10zu  pinned/ceiling %.3f  pinned/pageable %.2f", sizes[i],
		       g[F_PINNED] / g[CEILING], g[F_PINNED] / g[PAGEABLE]);
		if (g[DRV_STAGED] > 0)
			printf("  pinned/drv-staged %.2f", g[F_PINNED] / g[DRV_STAGED]);
		if (g[RAW_PEER] > 0)
			printf("  %s %.3f  overhead %.2f us", b.one ? "ferry-d2d/raw-d2d" : "peer/raw",
			       g[FERRY_PEER] / g[RAW_PEER], overhead[i] * 1e6);
		printf("\n");
	}
	if (do_sweep) {
		sweep(&b);
		raw_pipelines(&b);
	}
	calls(&b);
	ferry_ctx_fini(b.peer_ctx);
	ferry_ctx_fini(b.pinned_ctx);
	ferry_ctx_fini(b.pageable_ctx);
	cudaFree(b.src);
	cudaFree(b.dst);
	cudaFreeHost(b.pin_a);
	cudaFreeHost(b.pin_b);
	cudaStreamDestroy(b.s0);
	cudaStreamDestroy(b.s1);
	free(b.page);
	return 0;
}
