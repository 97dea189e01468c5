/*
 * info_cmd.c: `ferry info`: the CUDA runtime and driver, the devices and peer matrix, and
 * the shim's variant for each capability, as a process sees them: ferry-info (tools/info.c,
 * linked with libferry) run under `ferry inject`, so that --devices and --cuda apply.
 */
#include "cli.h"
#include "common.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char usage_info[] =
	"usage: ferry info [--backend auto|real|sim] [--devices N] [--peers SPEC]\n"
	"                  [--cuda VER] [--cuda-driver VER] [--json]\n"
	"\n"
	"Prints the CUDA runtime and driver versions, the devices and which peers each can\n"
	"access, and the variant libferry's version shim chose for each capability that\n"
	"differs between CUDA versions (batched copies, stream to device, capture info, graph\n"
	"instantiation, driver entry points, pointer, device and peer attributes), with why.\n"
	"On a real GPU when one answers (--backend auto), else on the simulator. --cuda VER\n"
	"shows what ferry does under an emulated runtime (11.8 ... 13.0), --cuda-driver VER\n"
	"under an older driver; --json writes one JSON object.\n";

int cmd_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "devices", required_argument, NULL, 'd' },
		{ "peers", required_argument, NULL, 'p' },
		{ "cuda", required_argument, NULL, 'c' },
		{ "cuda-driver", required_argument, NULL, 'D' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *backend = "auto", *devices = NULL, *peers = NULL, *cuda = NULL,
		   *driver = NULL;
	bool json = false;
	char self[PATH_MAX], info[PATH_MAX];
	char *v[24];
	int a = 0, c;
	ssize_t l;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': backend = optarg; break;
		case 'd': devices = optarg; break;
		case 'p': peers = optarg; break;
		case 'c': cuda = optarg; break;
		case 'D': driver = optarg; break;
		case 'j': json = true; break;
		case 'h': fputs(usage_info, stdout); return 0;
		default: return bad_option("info", argv);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ferry info: unexpected argument '%s' (ferry help info)\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	l = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (l <= 0 || !find_libexec("ferry-info", FERRY_BUILD_INFO, info, sizeof(info)))
		return EXIT_NOEXEC;
	self[l] = '\0';
	/* ferry inject checks every value and says what is wrong */
	v[a++] = self;
	v[a++] = "inject";
	v[a++] = "--backend";
	v[a++] = (char *)backend;
	if (devices) {
		v[a++] = "--devices";
		v[a++] = (char *)devices;
	}
	if (peers) {
		v[a++] = "--peers";
		v[a++] = (char *)peers;
	}
	if (cuda) {
		v[a++] = "--cuda";
		v[a++] = (char *)cuda;
	}
	if (driver) {
		v[a++] = "--cuda-driver";
		v[a++] = (char *)driver;
	}
	v[a++] = "--";
	v[a++] = info;
	if (json)
		v[a++] = "--json";
	v[a] = NULL;
	return run_program(v);
}
