/*
 * info.c: ferry-info, what `ferry info` runs (under `ferry inject`, so that virtual devices
 * and version emulation apply): the CUDA runtime and driver versions, the devices and their
 * peer matrix, and the variant the shim (shim/) chose for each capability, with why.
 * --json writes the same as one JSON object.
 */
#include "ferry.h"

#include <cuda_runtime_api.h>
#include <stdio.h>
#include <string.h>

static void version_text(int v, char *buf, size_t len)
{
	if (v <= 0)
		snprintf(buf, len, "unknown");
	else
		snprintf(buf, len, "%d.%d", v / 1000, v % 1000 / 10);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

int main(int argc, char **argv)
{
	ferry_shim_choice ch[16];
	size_t n;
	int rt = 0, drv = 0, ndev = 0;
	char rts[16], drvs[16];
	bool json = argc == 2 && strcmp(argv[1], "--json") == 0;

	if (argc > 2 || (argc == 2 && !json)) {
		fprintf(stderr, "usage: ferry-info [--json] (see ferry info)\n");
		return 2;
	}
	n = ferry_shim_describe(ch, sizeof(ch) / sizeof(ch[0]), &rt, &drv);
	if (n > sizeof(ch) / sizeof(ch[0]))
		n = sizeof(ch) / sizeof(ch[0]);
	version_text(rt, rts, sizeof(rts));
	version_text(drv, drvs, sizeof(drvs));
	if (cudaGetDeviceCount(&ndev) != cudaSuccess) {
		cudaGetLastError();
		ndev = 0;
	}
	if (json) {
		printf("{\"runtime\": \"%s\", \"driver\": \"%s\", \"devices\": [", rts, drvs);
	} else {
		printf("CUDA runtime %s, driver %s\n", rts, drvs);
		printf("devices: %d\n", ndev);
	}
	for (int d = 0; d < ndev; d++) {
		struct cudaDeviceProp p;
		int major = 0, minor = 0;

		memset(&p, 0, sizeof(p));
		if (cudaGetDeviceProperties(&p, d) != cudaSuccess)
			cudaGetLastError();
		cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, d);
		cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, d);
		if (json) {
			printf("%s{\"index\": %d, \"name\": ", d ? ", " : "", d);
			json_str(p.name);
			printf(", \"sm\": \"%d.%d\", \"memory\": %zu, \"peers\": [", major, minor,
			       p.totalGlobalMem);
		} else {
			printf("  %d: %s (sm %d.%d, %.1f GiB); can access:", d, p.name, major, minor,
			       (double)p.totalGlobalMem / (1u << 30));
		}
		for (int e = 0, k = 0; e < ndev; e++) {
			int can = 0;

			if (e == d)
				continue;
			if (cudaDeviceCanAccessPeer(&can, d, e) != cudaSuccess) {
				cudaGetLastError();
				can = 0;
			}
			if (!can)
				continue;
			if (json)
				printf("%s%d", k++ ? ", " : "", e);
			else
				printf(" %d", e);
		}
		if (json)
			printf("]}");
		else
			putchar('\n');
	}
	if (json)
		printf("], \"shim\": [");
	else
		printf("shim (the variant of each capability that differs between CUDA versions):\n");
	for (size_t i = 0; i < n; i++) {
		if (json) {
			printf("%s{\"capability\": ", i ? ", " : "");
			json_str(ch[i].capability);
			printf(", \"variant\": ");
			json_str(ch[i].variant);
			printf(", \"why\": ");
			json_str(ch[i].why);
			putchar('}');
		} else {
			printf("  %-14s %-22s %s\n", ch[i].capability, ch[i].variant, ch[i].why);
		}
	}
	if (json)
		printf("]}\n");
	return 0;
}
