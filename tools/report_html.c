/*
 * report_html.c: the page of `ferry report` (index.html): one self-contained file (its style
 * and its plot inline, nothing fetched) that shows at a glance what is covered and what is
 * not: the totals against the goals, the named paths never taken, the files not fully
 * covered, the path matrix, the exclusions and the bandwidth of each path.
 */
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* gcovr's detail page of file (coverage/index.BASENAME.HASH.html), or its index when there
 * is none or more than one. */
static void detail_link(const char *out, const char *file, char *link, size_t len)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	char dir[4096], prefix[256];
	struct dirent *e;
	DIR *d;
	int found = 0;

	snprintf(link, len, "coverage/index.html");
	snprintf(dir, sizeof(dir), "%s/coverage", out);
	snprintf(prefix, sizeof(prefix), "index.%s.", base);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && n > 5 &&
		    strcmp(e->d_name + n - 5, ".html") == 0 && found++ == 0)
			snprintf(link, len, "coverage/%s", e->d_name);
	}
	closedir(d);
	if (found != 1)
		snprintf(link, len, "coverage/index.html");
}

static double num(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static const char style[] =
	"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px 32px;"
	"color:#1d232b;max-width:1180px}"
	"h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:"
	"1px solid #d7dce2;padding-bottom:4px}.sub{color:#5a6470;margin:0 0 16px}"
	".tiles{display:flex;gap:12px;flex-wrap:wrap}.tile{border-radius:8px;padding:12px 16px;"
	"min-width:160px;border:2px solid}.tile b{display:block;font-size:28px}"
	".ok{background:#e9f7ee;border-color:#2f9e55;color:#1c6b38}"
	".bad{background:#fdecec;border-color:#d23c3c;color:#9c1f1f}"
	".neutral{background:#f1f3f6;border-color:#b8c0ca;color:#39424d}"
	"table{border-collapse:collapse;font-size:13px}td,th{padding:3px 8px;text-align:left;"
	"border-bottom:1px solid #eceff3}th{background:#f6f7f9}"
	".bar{display:inline-block;width:120px;height:10px;background:#f3d4d4;border-radius:3px;"
	"vertical-align:middle;margin-right:6px}.bar i{display:block;height:10px;"
	"background:#2f9e55;border-radius:3px}"
	".never td{color:#9c1f1f;font-weight:600}.m td{padding:0;border:1px solid #eceff3;"
	"width:13px;height:13px}.m td.n{padding:2px 8px;width:auto;white-space:nowrap;"
	"border:none;font-size:12px}.m td.y{background:#2f9e55}.m tr.never td.n{color:#9c1f1f}"
	".m tr.never td.x{background:#f3d4d4}.m th.v{writing-mode:vertical-rl;"
	"transform:rotate(180deg);font-weight:400;font-size:11px;padding:4px 0;background:none;"
	"white-space:nowrap}"
	"ul.list{margin:4px 0;padding-left:20px}code{font-size:13px}"
	".foot{color:#5a6470;font-size:12px;margin-top:32px}";

static void tile(FILE *f, bool good, const char *title, const char *big, const char *small)
{
	fprintf(f, "<div class=\"tile %s\">%s<b>%s</b>%s</div>\n", good ? "ok" : "bad", title,
		big, small);
}

static void bar(FILE *f, double pct)
{
	fprintf(f, "<span class=bar><i style=\"width:%.0f%%\"></i></span>%.1f%%",
		pct < 0 ? 0 : pct > 100 ? 100 : pct, pct);
}

/* "ladder/plans" from ".../scenarios/ladder/plans.scn [cuda 12.8]" */
static void scenario_of(const char *run, char *out, size_t len)
{
	const char *end = strstr(run, ".scn"), *a = end, *slashes = NULL;
	int seen = 0;

	if (!end)
		end = run + strlen(run);
	for (a = end; a > run; a--) {
		if (a[-1] == '/' && ++seen == 2) {
			slashes = a;
			break;
		}
	}
	if (!slashes)
		slashes = run;
	snprintf(out, len, "%.*s", (int)(end - slashes), slashes);
}

/* The scenarios of the matrix's runs, once each, in order of appearance. */
static size_t scenarios(const json_t *paths, char (*names)[96], size_t max)
{
	size_t n = 0, i, j;
	json_t *p, *run;

	json_array_foreach(paths, i, p) {
		json_array_foreach(json_object_get(p, "taken_by"), j, run) {
			char s[96];
			size_t k;

			scenario_of(json_string_value(run), s, sizeof(s));
			for (k = 0; k < n && strcmp(names[k], s); k++)
				;
			if (k == n && n < max)
				snprintf(names[n++], sizeof(names[0]), "%s", s);
		}
	}
	/* sorted: a reader finds a scenario by its name */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char t[96];

			memcpy(t, names[j], sizeof(t));
			memcpy(names[j], names[j - 1], sizeof(t));
			memcpy(names[j - 1], t, sizeof(t));
		}
	return n;
}

static void matrix(FILE *f, const json_t *m)
{
	static char names[256][96];
	const json_t *paths = json_object_get(m, "paths");
	size_t ns = scenarios(paths, names, 256), i, j;
	json_t *p, *run;

	fputs("<table class=m><tr><th></th>", f);
	for (size_t k = 0; k < ns; k++) {
		fputs("<th class=v>", f);
		esc(f, names[k]);
		fputs("</th>", f);
	}
	fputs("<th>runs</th></tr>\n", f);
	json_array_foreach(paths, i, p) {
		const json_t *by = json_object_get(p, "taken_by");
		bool never = json_array_size(by) == 0;

		fprintf(f, "<tr%s><td class=n title=\"", never ? " class=never" : "");
		esc(f, json_string_value(json_object_get(p, "meaning")));
		fputs("\">", f);
		esc(f, json_string_value(json_object_get(p, "name")));
		fputs("</td>", f);
		for (size_t k = 0; k < ns; k++) {
			bool took = false;

			json_array_foreach(by, j, run) {
				char s[96];

				scenario_of(json_string_value(run), s, sizeof(s));
				if (strcmp(s, names[k]) == 0) {
					took = true;
					break;
				}
			}
			fprintf(f, "<td class=%s></td>", took ? "y" : "x");
		}
		fprintf(f, "<td class=n>%zu</td></tr>\n", json_array_size(by));
	}
	fputs("</table>\n", f);
}

/* The bandwidth of each path by size: GB/s against bytes, both on log scales (the paths
 * span three decades), one line a path. */
static void plot(FILE *f, const struct bench *b)
{
	static const char *const colors[] = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd",
					      "#ff7f0e", "#8c564b", "#e377c2", "#17becf" };
	const double W = 760, H = 400, L = 60, R = 170, T = 16, B = 44;
	double xmin = log2(b->bytes[0]), xmax = log2(b->bytes[b->nrows - 1]);
	double lo = INFINITY, hi = 0, ymin, ymax, last = -1e9;

	for (size_t r = 0; r < b->nrows; r++)
		for (size_t c = 0; c < b->ncols; c++)
			if (b->gbs[r][c] > 0) {
				lo = b->gbs[r][c] < lo ? b->gbs[r][c] : lo;
				hi = b->gbs[r][c] > hi ? b->gbs[r][c] : hi;
			}
	if (hi <= 0)
		lo = hi = 1;
	ymin = floor(log10(lo));
	ymax = ceil(log10(hi));
	if (ymax <= ymin)
		ymax = ymin + 1;
	if (xmax <= xmin)
		xmax = xmin + 1;
#define X(v) (L + ((log2(v) - xmin) / (xmax - xmin)) * (W - L - R))
#define Y(v) (T + (1 - (log10(v) - ymin) / (ymax - ymin)) * (H - T - B))
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		   "font-family=\"system-ui,sans-serif\" font-size=\"11\" role=\"img\" "
		   "aria-label=\"bandwidth per path and size\">\n", W, H);
	for (double d = ymin; d <= ymax + 1e-9; d++) {
		double v = pow(10, d);

		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e7ec\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
			L, W - R, Y(v), Y(v), L - 6, Y(v) + 4, v);
	}
	for (size_t r = 0; r < b->nrows; r++) {
		double v = b->bytes[r];
		const char *u = v >= 1 << 30 ? "G" : v >= 1 << 20 ? "M" : v >= 1 << 10 ? "K" : "";
		double d = v >= 1 << 30 ? 1 << 30 : v >= 1 << 20 ? 1 << 20 : v >= 1 << 10 ? 1 << 10 : 1;

		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eef1f4\"/>\n",
			X(v), X(v), (double)T, H - B);
		if (X(v) - last < 36)	/* no label over another */
			continue;
		last = X(v);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f%s</text>\n",
			X(v), H - B + 16, v / d, u);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">bytes per copy</text>"
		   "<text x=\"14\" y=\"%.1f\" transform=\"rotate(-90 14 %.1f)\" "
		   "text-anchor=\"middle\">GB/s (log)</text>\n",
		L + (W - L - R) / 2, H - 6, T + (H - T - B) / 2, T + (H - T - B) / 2);
	for (size_t c = 0; c < b->ncols; c++) {
		const char *color = colors[c % 8];
		bool started = false;

		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"",
			color, c >= 8 ? " stroke-dasharray=\"5 3\"" : "");
		for (size_t r = 0; r < b->nrows; r++) {
			if (b->gbs[r][c] <= 0)
				continue;
			fprintf(f, "%s%.1f,%.1f", started ? " " : "", X(b->bytes[r]),
				Y(b->gbs[r][c]));
			started = true;
		}
		fprintf(f, "\"/>\n<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"3\" "
			   "fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\">",
			W - R + 14, T + 8 + 18.0 * (double)c, color, W - R + 34,
			T + 12 + 18.0 * (double)c);
		esc(f, b->col[c]);
		fputs("</text>\n", f);
	}
#undef X
#undef Y
	fputs("</svg>\n", f);
}

bool report_write_html(const struct report *r, const char *path)
{
	char tmp[4096], big[64], small[256], link[512];
	const json_t *s = r->summary, *files = json_object_get(s, "files");
	const json_t *never = json_object_get(r->matrix, "never_taken");
	double lp = num(s, "line_percent"), bp = num(s, "branch_percent");
	size_t npaths = (size_t)json_integer_value(json_object_get(r->matrix, "named_paths"));
	size_t nnever = json_array_size(never), noreason = 0, below = 0, i;
	json_t *v;
	FILE *f;
	bool ok;

	for (size_t k = 0; k < r->nexcl; k++)
		noreason += !r->excl[k].reason[0];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "ferry report: cannot write %s: %s\n", tmp, strerror(errno));
		return false;
	}
	fprintf(f, "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
		   "<title>ferry: coverage of the fallback paths</title><style>%s</style></head>"
		   "<body>\n<h1>Are ferry's fallback paths tested?</h1>\n"
		   "<p class=sub>The scenario suite alone (%zu runs: every scenario under every "
		   "emulated CUDA version, on the simulator%s) over <code>core/</code> and "
		   "<code>shim/</code>; %s.</p>\n<div class=tiles>\n",
		style, r->runs, r->enumerated ? "; and each scenario again once per CUDA call "
		"libferry makes, that call failing (ferry enumerate)" : "", r->when);
	snprintf(big, sizeof(big), "%.1f%%", lp);
	snprintf(small, sizeof(small), "%lld of %lld lines; goal %.0f%%",
		 json_integer_value(json_object_get(s, "line_covered")),
		 json_integer_value(json_object_get(s, "line_total")), r->line_goal);
	tile(f, lp >= r->line_goal, "Lines", big, small);
	snprintf(big, sizeof(big), "%.1f%%", bp);
	snprintf(small, sizeof(small), "%lld of %lld branches; goal %.0f%%",
		 json_integer_value(json_object_get(s, "branch_covered")),
		 json_integer_value(json_object_get(s, "branch_total")), r->branch_goal);
	tile(f, bp >= r->branch_goal, "Branches", big, small);
	snprintf(big, sizeof(big), "%zu / %zu", npaths - nnever, npaths);
	snprintf(small, sizeof(small), nnever ? "%zu never taken" : "every one taken", nnever);
	tile(f, !nnever, "Named paths", big, small);
	snprintf(big, sizeof(big), "%zu / %zu", r->passed, r->runs);
	tile(f, r->runs && r->passed == r->runs, "Scenario runs", big, "passed");
	if (r->enumerated) {
		snprintf(big, sizeof(big), "%zu / %zu", r->fail_good, r->fail_runs);
		snprintf(small, sizeof(small), r->fail_unrun ? "exact or a clear error; %zu "
			 "scenario%s could not run" : "exact or a clear error", r->fail_unrun,
			 r->fail_unrun == 1 ? "" : "s");
		tile(f, r->fail_runs && r->fail_good == r->fail_runs && !r->fail_unrun,
		     "Failure points", big, small);
	}
	snprintf(big, sizeof(big), "%zu", r->nexcl);
	snprintf(small, sizeof(small), noreason ? "%zu without a reason" : "each with its reason",
		 noreason);
	tile(f, !noreason, "Exclusions", big, small);
	fputs("</div>\n", f);

	/* what is not covered, first: the runs that did not pass */
	fputs("<h2>Not covered</h2>\n", f);
	if (r->nproblems) {
		fprintf(f, "<p><b>Runs that did not pass</b> (%zu%s; every one in <code>run.txt"
			   "</code> and <code>enumerate.txt</code>):</p><ul class=list>",
			r->nproblems, r->nproblems > REPORT_MAX_PROBLEMS ? ", the first listed" : "");
		for (size_t k = 0; k < r->nproblems && k < REPORT_MAX_PROBLEMS; k++) {
			fputs("<li class=never><code>", f);
			esc(f, r->problem[k]);
			fputs("</code></li>", f);
		}
		fputs("</ul>\n", f);
	}
	if (nnever) {
		fputs("<p><b>Named paths never taken</b> (no scenario takes them):</p><ul class=list>",
		      f);
		json_array_foreach(never, i, v) {
			fputs("<li class=never><code>", f);
			esc(f, json_string_value(v));
			fputs("</code></li>", f);
		}
		fputs("</ul>\n", f);
	} else {
		fputs("<p>Every named path is taken by some scenario.</p>\n", f);
	}
	fputs("<table><tr><th>file</th><th>lines</th><th>not run</th><th>branches</th>"
	      "<th>not taken</th></tr>\n", f);
	/* the files, least covered first */
	for (int pass = 0; pass < 2; pass++) {
		json_array_foreach(files, i, v) {
			double l = num(v, "line_percent"), b = num(v, "branch_percent");
			bool lines = num(v, "line_total") > 0, branches = num(v, "branch_total") > 0;
			bool short_ = (lines && l < r->line_goal) || (branches && b < r->branch_goal);

			if (short_ != (pass == 0))
				continue;
			below += short_;
			detail_link(r->out, json_string_value(json_object_get(v, "filename")), link,
				    sizeof(link));
			fprintf(f, "<tr%s><td><a href=\"", short_ ? " class=never" : "");
			esc(f, link);
			fputs("\"><code>", f);
			esc(f, json_string_value(json_object_get(v, "filename")));
			fputs("</code></a></td><td>", f);
			if (lines)
				bar(f, l);
			else
				fputs("no lines", f);
			fprintf(f, "</td><td>%lld</td><td>",
				json_integer_value(json_object_get(v, "line_total")) -
					json_integer_value(json_object_get(v, "line_covered")));
			if (branches)
				bar(f, b);
			else
				fputs("no branches", f);
			fprintf(f, "</td><td>%lld</td></tr>\n",
				json_integer_value(json_object_get(v, "branch_total")) -
					json_integer_value(json_object_get(v, "branch_covered")));
		}
	}
	fprintf(f, "</table>\n<p>%zu file%s below the goals. Each file's lines and branches, "
		   "line by line: <a href=\"coverage/index.html\">coverage/index.html</a> "
		   "(gcovr); Cobertura XML: <code>coverage.xml</code>; JSON summary: "
		   "<code>coverage_summary.json</code>.</p>\n",
		below, below == 1 ? "" : "s");

	fputs("<h2>Path matrix</h2>\n<p>Each named path of libferry (a rung that delivered, a "
	      "way from one rung to the next, a recovery branch, a variant the version shim "
	      "chose) and the scenarios that took it under any version; never-taken paths "
	      "first, in red. Hover a name for its meaning. As JSON: "
	      "<code>path_matrix.json</code>.</p>\n", f);
	matrix(f, r->matrix);

	fputs("<h2>Bandwidth per path and size</h2>\n", f);
	if (r->bench.ncols) {
		plot(f, &r->bench);
		fputs("<p class=sub>Medians; from ", f);
		esc(f, r->bench.source);
		fputs(".</p>\n", f);
	} else {
		fputs("<p>No bench table: run <code>bench/core_paths --csv FILE</code> on a GPU "
		      "machine and give it with <code>--bench FILE</code> (or put it at "
		      "<code>reports/bench/core_paths.csv</code>).</p>\n", f);
	}

	fputs("<h2>Exclusions</h2>\n", f);
	if (!r->nexcl) {
		fputs("<p>None: no line of <code>core/</code> or <code>shim/</code> is left out of "
		      "the counts.</p>\n", f);
	} else {
		fprintf(f, "<p>%zu place%s left out of the counts on purpose (code that cannot be "
			   "reached by design), each marked in the code:</p>\n<table><tr><th>where"
			   "</th><th>marker</th><th>reason</th></tr>\n",
			r->nexcl, r->nexcl == 1 ? "" : "s");
		for (size_t k = 0; k < r->nexcl; k++) {
			const struct excl *e = &r->excl[k];

			fprintf(f, "<tr%s><td><code>", e->reason[0] ? "" : " class=never");
			esc(f, e->file);
			fprintf(f, ":%u</code></td><td>GCOVR_EXCL_%s</td><td>", e->line, e->kind);
			esc(f, e->reason[0] ? e->reason : "(no reason given)");
			fputs("</td></tr>\n", f);
		}
		fputs("</table>\n", f);
	}
	fprintf(f, "<p class=foot>Made by <code>ferry report</code> (a coverage build's "
		   "<code>ferry run --cuda all</code>, then gcovr). JUnit XML of the run: "
		   "<code>junit.xml</code>; its output: <code>run.txt</code>.</p>\n"
		   "</body></html>\n");
	ok = !ferror(f);
	ok = fclose(f) == 0 && ok && rename(tmp, path) == 0;
	if (!ok) {
		fprintf(stderr, "ferry report: cannot write %s: %s\n", path, strerror(errno));
		remove(tmp);
	}
	return ok;
}
