/*
 * faults.c: the interposer's settings, and what each action of a fault rule does.
 *
 * Settings are read when the library is loaded, before the program's main: the rules
 * (FERRY_FAULTS and FERRY_FAULTS_FILE, both allowed, in that order), the virtual devices
 * (vdev.c), FERRY_CUDA_VERSION and FERRY_SUMMARY. A bad setting, or an unknown FERRY_
 * variable, stops the process with a message and exit status 2: a harness that silently
 * injects nothing is the worst failure this project can have.
 *
 * Actions:
 *   error(E)   the call answers E and does nothing (wrappers.c);
 *   sticky(E)  the call and every later call that needs a context answer E (wrappers.c);
 *   async(E)   the call answers success and does nothing; the next synchronize or query of
 *              its stream (or cudaDeviceSynchronize of its device) answers E, once: an
 *              asynchronous failure, with nothing written;
 *   deny       the capability query answers no (vdev.c);
 *   corrupt(M) the call does its work, then its destination is damaged, with the stream
 *              synchronized around it: bitflip flips one bit (chosen by the rule's count),
 *              zero zeroes the region, truncate leaves the second half of the region as it
 *              was before the call (the first half of the rows, slices, or bytes is written);
 *   delay(U)   the call waits U microseconds, then the next rule is tried.
 */
#define _GNU_SOURCE	/* dladdr */
#include "inject.h"

#include "common.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct inj_state inj;
__thread struct inj_thread inj_tls = { .twin_fn = -1 };

extern char **environ;

static const char *const known_vars[] = {
	"FERRY_FAULTS",	    "FERRY_FAULTS_FILE",  "FERRY_DEVICES", "FERRY_PEERS",
	"FERRY_DEVICE_MEM", "FERRY_CUDA_VERSION", "FERRY_CUDA_DRIVER", "FERRY_HIDE", "FERRY_SUMMARY",
	"FERRY_SUMMARY_ROOT",
	"FERRY_INJECT_LIBRARY", "FERRY_NVML_LIBRARY", "FERRY_SCENARIO_EXEC",	/* read by ferry */
};

/* FERRY_HIDE: a comma list of CUDA symbol names (cu..., letters, digits, _). */
static bool parse_hide(const char *v, char *err, size_t len)
{
	const char *p = v;

	while (*p) {
		size_t n = strcspn(p, ",");
		bool ok = n >= 3 && n < sizeof(inj.hide[0]) && strncmp(p, "cu", 2) == 0;

		for (size_t i = 0; ok && i < n; i++)
			ok = isalnum((unsigned char)p[i]) || p[i] == '_';
		if (!ok) {
			snprintf(err, len, "FERRY_HIDE: '%.*s' is not a CUDA symbol name (cu..., "
				 "letters, digits and _, at most %zu characters)", (int)(n > 80 ? 80 : n),
				 p, sizeof(inj.hide[0]) - 1);
			return false;
		}
		if (inj.nhide == INJ_MAX_HIDE) {
			snprintf(err, len, "FERRY_HIDE: more than %d symbols", INJ_MAX_HIDE);
			return false;
		}
		memcpy(inj.hide[inj.nhide], p, n);
		inj.hide[inj.nhide][n] = '\0';
		inj.hide_driver |= strncmp(inj.hide[inj.nhide], "cuda", 4) != 0;
		inj.nhide++;
		p += n;
		if (*p == ',')
			p++;
	}
	return true;
}

static void die(const char *what)
{
	fprintf(stderr, "ferry-inject: %s\n", what);
	fflush(stderr);
	_exit(2);
}

static void check_unknown(void)
{
	for (char **e = environ; e && *e; e++) {
		char name[128], msg[256];
		const char *eq = strchr(*e, '=');
		size_t len = eq ? (size_t)(eq - *e) : strlen(*e);
		size_t nk = sizeof(known_vars) / sizeof(known_vars[0]);
		bool known = false;
		const char *near;

		/* FERRY_SIM_ belongs to the simulator, which checks its own. */
		if (strncmp(*e, "FERRY_", 6) != 0 || strncmp(*e, "FERRY_SIM_", 10) == 0)
			continue;
		if (len >= sizeof(name))
			len = sizeof(name) - 1;
		memcpy(name, *e, len);
		name[len] = '\0';
		for (size_t i = 0; i < nk; i++)
			known = known || strcmp(name, known_vars[i]) == 0;
		if (known)
			continue;
		near = ferry__nearest(name, known_vars, nk);
		snprintf(msg, sizeof(msg), "unknown variable %s%s%s%s", name,
			 near ? " (did you mean " : "", near ? near : "", near ? "?)" : "");
		die(msg);
	}
}

/* Reads a rules file, bounded by INJ_MAX_SPEC. */
static char *read_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t n = 0;

	if (fd < 0) {
		snprintf(err, errlen, "FERRY_FAULTS_FILE='%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)INJ_MAX_SPEC) {
		snprintf(err, errlen, "FERRY_FAULTS_FILE='%s': not a regular file of at most %u bytes",
			 path, INJ_MAX_SPEC);
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "FERRY_FAULTS_FILE='%s': out of memory", path);
		return NULL;
	}
	while (n < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + n, (size_t)st.st_size - n);

		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	buf[n] = '\0';
	if (strlen(buf) != n) {
		snprintf(err, errlen, "FERRY_FAULTS_FILE='%s': holds a NUL byte", path);
		free(buf);
		return NULL;
	}
	return buf;
}

/* Whether a rule of this target could ever match calls of function fn. */
static bool may_match(const struct inj_rule *r, int fn)
{
	enum inj_class c = inj_fns[fn].cls;

	/* deny answers capability queries: of the peer-access family, those alone. */
	if (r->action == INJ_DENY && fn != INJ_FN_cudaDeviceCanAccessPeer &&
	    fn != INJ_FN_cudaDeviceGetP2PAttribute)
		return false;

	switch (r->family) {
	case INJ_FAM_NONE:
		return r->fn == fn;
	case INJ_FAM_PEER_COPY:
	case INJ_FAM_COPY:
		return c == INJ_CLS_COPY || c == INJ_CLS_PEER_COPY;
	case INJ_FAM_PEER_ACCESS:
		return c == INJ_CLS_PEER_ACCESS || c == INJ_CLS_PEER_QUERY;
	case INJ_FAM_HOST_ALLOC:
		return c == INJ_CLS_HOST_ALLOC || c == INJ_CLS_HOST_REGISTER;
	case INJ_FAM_SYNC:
		return c == INJ_CLS_SYNC;
	}
	return false;
}

static void build_candidates(void)
{
	for (int fn = 0; fn < INJ_NFNS; fn++) {
		size_t n = 0;
		struct inj_rule **list;

		for (size_t i = 0; i < inj.rules.n; i++)
			n += may_match(&inj.rules.v[i], fn);
		if (!n)
			continue;
		list = calloc(n + 1, sizeof(*list));
		if (!list)
			die("out of memory");
		n = 0;
		for (size_t i = 0; i < inj.rules.n; i++) {
			struct inj_rule *r = &inj.rules.v[i];

			if (!may_match(r, fn))
				continue;
			list[n++] = r;
			/* Finding a call's devices costs a runtime call or a lookup: only for
			 * the rules that look at them. */
			if (r->has_pair || r->has_dev ||
			    (r->family == INJ_FAM_PEER_COPY && inj_fns[fn].cls == INJ_CLS_COPY))
				inj.needs_devices[fn] = true;
			if (r->has_from)
				inj.needs_caller[fn] = true;
		}
		inj.candidates[fn] = list;
	}
}

static int parse_version(const char *v)
{
	if (ferry__cuda_version_index(v) < 0)
		return 0;
	return atoi(v) * 1000 + atoi(strchr(v, '.') + 1) * 10;
}

void inj_load(void)
{
	char err[4096];
	const char *v;

	if (inj.loaded)
		return;
	inj.loaded = true;
	check_unknown();
	v = getenv("FERRY_FAULTS");
	if (v && !inj_rules_parse(v, "FERRY_FAULTS", 0, &inj.rules, err, sizeof(err)))
		die(err);
	v = getenv("FERRY_FAULTS_FILE");
	if (v) {
		char *text = read_file(v, err, sizeof(err));

		if (!text || !inj_rules_parse_file(text, v, &inj.rules, err, sizeof(err)))
			die(err);
		free(text);
	}
	build_candidates();
	if (!inj_vdev_load(err, sizeof(err)))
		die(err);
	v = getenv("FERRY_CUDA_VERSION");
	if (v) {
		inj.cuda_version = parse_version(v);
		if (!inj.cuda_version) {
			snprintf(err, sizeof(err),
				 "FERRY_CUDA_VERSION='%s' is not one of 11.8, 12.0, 12.1, 12.2, 12.3, "
				 "12.4, 12.5, 12.6, 12.8, 12.9, 13.0",
				 v);
			die(err);
		}
	}
	v = getenv("FERRY_CUDA_DRIVER");
	if (v) {
		inj.cuda_driver = parse_version(v);
		if (!inj.cuda_driver) {
			snprintf(err, sizeof(err),
				 "FERRY_CUDA_DRIVER='%s' is not one of 11.8, 12.0, 12.1, 12.2, 12.3, "
				 "12.4, 12.5, 12.6, 12.8, 12.9, 13.0",
				 v);
			die(err);
		}
	}
	v = getenv("FERRY_HIDE");
	if (v && !parse_hide(v, err, sizeof(err)))
		die(err);
	v = getenv("FERRY_SUMMARY");
	if (v) {
		char pid[32];

		if (!*v || strlen(v) >= sizeof(inj.summary_path) - 32)
			die("FERRY_SUMMARY must name a file (at most 4000 characters)");
		snprintf(inj.summary_path, sizeof(inj.summary_path), "%s", v);
		/* This process writes FERRY_SUMMARY; the processes it starts, FERRY_SUMMARY.<pid>. */
		snprintf(pid, sizeof(pid), "%ld", (long)getpid());
		if (!getenv("FERRY_SUMMARY_ROOT"))
			setenv("FERRY_SUMMARY_ROOT", pid, 1);
	}
}

/* --- deciding ------------------------------------------------------------------------------- */

void inj_decide(const struct inj_call *c, struct inj_decision *d)
{
	struct inj_rule **list = inj.candidates[c->fn];

	d->rule = NULL;
	d->deny = false;
	for (; list && *list; list++) {
		struct inj_rule *r = *list;

		if (!inj_rule_matches(r, c) || !inj_rule_triggers(r))
			continue;
		if (r->action == INJ_DELAY) {
			struct timespec ts = { (time_t)(r->delay_us / 1000000u),
					       (long)(r->delay_us % 1000000u) * 1000L };

			while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
				;
			continue;
		}
		d->rule = r;
		d->action = r->action;
		d->deny = r->action == INJ_DENY;
		return;
	}
}

/* --- async: errors left for the next synchronize ---------------------------------------------- */

struct pending {
	cudaStream_t s;
	int vdev;		/* the stream's (virtual) device */
	cudaError_t err;
};

static pthread_mutex_t pending_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pending pend[256];
static size_t npend;
static atomic_size_t npend_seen;	/* npend, readable without the lock */

static bool is_default_stream(cudaStream_t s)
{
	return s == 0 || s == cudaStreamLegacy || s == cudaStreamPerThread;
}

void inj_async_add(cudaStream_t s, cudaError_t err)
{
	int dev = inj_vdev_of_stream(s);

	pthread_mutex_lock(&pending_lock);
	/* Bounded: past 256 outstanding failures, the oldest is reported by the newest slot. */
	if (npend == sizeof(pend) / sizeof(pend[0]))
		npend--;
	pend[npend].s = is_default_stream(s) ? 0 : s;
	pend[npend].vdev = dev;
	pend[npend].err = err;
	npend++;
	atomic_store(&npend_seen, npend);
	pthread_mutex_unlock(&pending_lock);
}

cudaError_t inj_async_take(cudaStream_t s, bool all)
{
	cudaError_t err = cudaSuccess;
	int dev;
	cudaStream_t key = is_default_stream(s) ? 0 : s;

	if (atomic_load_explicit(&npend_seen, memory_order_relaxed) == 0)
		return cudaSuccess;	/* nothing left by async(): the usual case, cheap */
	dev = all ? inj_vdev_current() : inj_vdev_of_stream(s);
	pthread_mutex_lock(&pending_lock);
	for (size_t i = 0; i < npend; i++) {
		if (pend[i].vdev == dev && (all || pend[i].s == key)) {
			err = pend[i].err;
			memmove(&pend[i], &pend[i + 1], (npend - i - 1) * sizeof(pend[0]));
			npend--;
			atomic_store(&npend_seen, npend);
			break;
		}
	}
	pthread_mutex_unlock(&pending_lock);
	/* the context is lost for every thread, not only for the call that was told first
	 * (another thread's copy on the shared legacy stream must not then succeed) */
	if (inj_error_loses_context(err))
		atomic_store(&inj.sticky, err);
	return err;
}

/* The synchronizing calls report what async() left. */
cudaError_t inj_impl_cudaStreamSynchronize(cudaStream_t stream)
{
	cudaError_t err = INJ_REAL(cudaStreamSynchronize, (stream));

	if (err == cudaSuccess && (err = inj_async_take(stream, false)) != cudaSuccess)
		return inj_fail(err);
	return err;
}

cudaError_t inj_impl_cudaStreamQuery(cudaStream_t stream)
{
	cudaError_t err = INJ_REAL(cudaStreamQuery, (stream));

	if (err == cudaSuccess && (err = inj_async_take(stream, false)) != cudaSuccess)
		return inj_fail(err);
	return err;
}

cudaError_t inj_impl_cudaDeviceSynchronize(void)
{
	cudaError_t err = INJ_REAL(cudaDeviceSynchronize, ());

	if (err == cudaSuccess && (err = inj_async_take(0, true)) != cudaSuccess)
		return inj_fail(err);
	return err;
}

/* --- corrupt ------------------------------------------------------------------------------------ */

/* The runtime's own copy and synchronize, for the interposer's own use: neither counted nor
 * seen by rules, and not in the program's error slot. */
static cudaError_t raw_copy(void *dst, const void *src, size_t n)
{
	inj_pfn_cudaMemcpy f = (inj_pfn_cudaMemcpy)inj_real(INJ_FN_cudaMemcpy);

	return f ? f(dst, src, n, cudaMemcpyDefault) : cudaErrorInsufficientDriver;
}

static void raw_sync(cudaStream_t s)
{
	inj_pfn_cudaStreamSynchronize f =
		(inj_pfn_cudaStreamSynchronize)inj_real(INJ_FN_cudaStreamSynchronize);
	inj_pfn_cudaGetLastError clear = (inj_pfn_cudaGetLastError)inj_real(INJ_FN_cudaGetLastError);

	if (f)
		f(s);
	if (clear)
		clear();	/* whatever went wrong here is not the program's */
}

/* The part of a region that truncate leaves unwritten: its second half of slices, rows or
 * bytes, as (first row pointer, rows, row bytes, pitch) over the slices from z0. */
struct half {
	size_t z0, y0, x0;
};

static struct half second_half(const struct inj_region *r)
{
	struct half h = { 0, 0, 0 };

	if (r->depth > 1)
		h.z0 = r->depth / 2;
	else if (r->height > 1)
		h.y0 = r->height / 2;
	else
		h.x0 = r->width / 2;
	return h;
}

/* Copies the second half of r to or from buf (to_buf: save; else restore). */
static void half_copy(const struct inj_region *r, char *buf, bool to_buf)
{
	struct half h = second_half(r);
	size_t off = 0;

	for (size_t z = h.z0; z < r->depth; z++) {
		for (size_t y = (r->depth > 1 ? 0 : h.y0); y < r->height; y++) {
			char *row = r->ptr + z * r->slice + y * r->pitch + h.x0;
			size_t len = r->width - h.x0;

			if (to_buf)
				raw_copy(buf + off, row, len);
			else
				raw_copy(row, buf + off, len);
			off += len;
		}
	}
	raw_sync(0);
}

static size_t region_bytes(const struct inj_region *r)
{
	return r->width * r->height * r->depth;
}

void *inj_corrupt_prepare(enum inj_corrupt mode, const struct inj_region *r, cudaStream_t s)
{
	char *buf;

	if (mode != INJ_TRUNCATE || !r->ptr || region_bytes(r) == 0)
		return NULL;
	buf = malloc(region_bytes(r));
	if (!buf)
		return NULL;
	raw_sync(s);
	half_copy(r, buf, true);
	return buf;
}

void inj_corrupt_discard(void *kept)
{
	free(kept);
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void inj_corrupt_apply(enum inj_corrupt mode, const struct inj_region *r, cudaStream_t s,
		       void *kept, uint64_t n)
{
	size_t total = region_bytes(r);

	if (!r->ptr || total == 0) {
		free(kept);
		return;
	}
	raw_sync(s);
	switch (mode) {
	case INJ_TRUNCATE:
		if (kept)
			half_copy(r, kept, false);
		break;
	case INJ_ZERO: {
		char *zeros = calloc(1, r->width);

		if (!zeros)
			break;
		for (size_t z = 0; z < r->depth; z++)
			for (size_t y = 0; y < r->height; y++)
				raw_copy(r->ptr + z * r->slice + y * r->pitch, zeros, r->width);
		free(zeros);
		break;
	}
	case INJ_BITFLIP: {
		uint64_t h = mix(n);
		size_t k = (size_t)(h % total);
		size_t z = k / (r->width * r->height), y = k / r->width % r->height;
		char *at = r->ptr + z * r->slice + y * r->pitch + k % r->width;
		unsigned char byte;

		if (raw_copy(&byte, at, 1) == cudaSuccess) {
			byte ^= (unsigned char)(1u << (h >> 61));
			raw_copy(at, &byte, 1);
		}
		break;
	}
	}
	raw_sync(0);
	free(kept);
}

/* --- start-up, fork and exit -------------------------------------------------------------------- */

static void atfork_child(void)
{
	pthread_mutex_init(&pending_lock, NULL);
}

__attribute__((constructor)) static void inj_start(void)
{
	inj_load();
	pthread_atfork(NULL, NULL, atfork_child);
}

__attribute__((destructor)) static void inj_stop(void)
{
	inj_summary_write();
}

/* --- who made a call (from() filters) ------------------------------------------------------- */

const char *inj_caller_file(void *pc)
{
	static __thread void *last_pc;
	static __thread const char *last_file;
	Dl_info info;

	if (!pc)
		return NULL;
	if (pc == last_pc)
		return last_file;
	if (!dladdr(pc, &info))
		return NULL;
	last_pc = pc;
	last_file = info.dli_fname;	/* the loader's string: lives as long as the object */
	return last_file;
}
