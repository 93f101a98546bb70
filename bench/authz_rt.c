// SPDX-License-Identifier: MIT
/* authz_rt.c -- AuthZ plugin answer time: sequential AuthZReq round trips
 * on one keep-alive connection to a dockaudit plugin socket, with
 * realistic bodies, interleaved kind by kind:
 *   ping      marked HEAD /_ping (a proxied call: verify the mark, no record)
 *   create    marked POST /containers/create with the 1,726-byte body the
 *             docker CLI sends (mark, body digest, extraction, policy)
 *   bypass    unmarked GET /containers/json (records + alert, lazily)
 * Marks are made with the plugin's key (-k FILE, as the proxy does: links
 * build/obj/capture/callmark.o).  Prints p50/p90/p99/max per kind in us.
 * With -p PID (the plugin's process) also prints its CPU time per round
 * trip (all threads, /proc/PID/task/TID/schedstat), which scheduling noise
 * on a busy machine does not inflate the way it inflates wall time.
 * -K 0|1|2 runs one kind only.
 * usage: authz_rt -s SOCK -k KEYFILE [-n N] [-w WARM] [-p PID] [-K KIND] */
#include "httpc.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/sha.h>

#include "capture/callmark.h"

static const char create_body[] =
"{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,"
"\"AttachStdout\":true,\"AttachStderr\":true,\"Tty\":false,\"OpenStdin\":false,"
"\"StdinOnce\":false,\"Env\":[\"A=1\",\"B=2\"],\"Cmd\":[\"true\"],\"Image\":\"bb\","
"\"Volumes\":{},\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,"
"\"Labels\":{},\"HostConfig\":{\"Binds\":[\"/tmp:/h\"],\"ContainerIDFile\":\"\","
"\"LogConfig\":{\"Type\":\"\",\"Config\":{}},\"NetworkMode\":\"default\","
"\"PortBindings\":{},\"RestartPolicy\":{\"Name\":\"no\",\"MaximumRetryCount\":0},"
"\"AutoRemove\":true,\"VolumeDriver\":\"\",\"VolumesFrom\":null,\"ConsoleSize\":"
"[40,120],\"CapAdd\":null,\"CapDrop\":null,\"CgroupnsMode\":\"\",\"Dns\":[],"
"\"DnsOptions\":[],\"DnsSearch\":[],\"ExtraHosts\":null,\"GroupAdd\":null,"
"\"IpcMode\":\"\",\"Cgroup\":\"\",\"Links\":null,\"OomScoreAdj\":0,\"PidMode\":\"\","
"\"Privileged\":false,\"PublishAllPorts\":false,\"ReadonlyRootfs\":false,"
"\"SecurityOpt\":null,\"UTSMode\":\"\",\"UsernsMode\":\"\",\"ShmSize\":0,"
"\"Isolation\":\"\",\"CpuShares\":0,\"Memory\":0,\"NanoCpus\":0,\"CgroupParent\":"
"\"\",\"BlkioWeight\":0,\"BlkioWeightDevice\":[],\"BlkioDeviceReadBps\":[],"
"\"BlkioDeviceWriteBps\":[],\"BlkioDeviceReadIOps\":[],\"BlkioDeviceWriteIOps\":"
"[],\"CpuPeriod\":0,\"CpuQuota\":0,\"CpuRealtimePeriod\":0,\"CpuRealtimeRuntime\":"
"0,\"CpusetCpus\":\"\",\"CpusetMems\":\"\",\"Devices\":[],\"DeviceCgroupRules\":"
"null,\"DeviceRequests\":null,\"MemoryReservation\":0,\"MemorySwap\":0,"
"\"MemorySwappiness\":-1,\"OomKillDisable\":false,\"PidsLimit\":0,\"Ulimits\":[],"
"\"CpuCount\":0,\"CpuPercent\":0,\"IOMaximumIOps\":0,\"IOMaximumBandwidth\":0,"
"\"MaskedPaths\":null,\"ReadonlyPaths\":null},\"NetworkingConfig\":"
"{\"EndpointsConfig\":{}}}";

static void
b64(const unsigned char *in, size_t n, char *out)
{
	static const char t[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = t[v >> 18 & 63];
		out[o++] = t[v >> 12 & 63];
		out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? t[v & 63] : '=';
	}
	out[o] = '\0';
}

static void
uuid(char out[37], unsigned long long n)
{
	snprintf(out, 37, "%08llx-0000-4000-8000-%012llx",
	    (unsigned long long)getpid() & 0xffffffffULL, n);
}

static size_t
build(char *out, size_t cap, int kind, unsigned long long n)
{
	char id[37], mark[CALLMARK_MAX], *bb = NULL, body[16384];
	unsigned char sha[32];
	struct timespec ts;
	int64_t t;

	clock_gettime(CLOCK_REALTIME, &ts);
	t = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	size_t len;

	uuid(id, n);
	if (kind == 0) {
		callmark_make(id, t, NULL, "HEAD", 4, "/_ping", 6, mark);
		len = (size_t)snprintf(body, sizeof(body), "{\"RequestMethod\":"
		    "\"HEAD\",\"RequestUri\":\"/_ping\",\"RequestHeaders\":{"
		    "\"User-Agent\":\"Docker-Client/28.2.2 (linux)\","
		    "\"X-Dockaudit-Call\":\"%s\"}}\n", mark);
	} else if (kind == 1) {
		static char enc[4096];

		SHA256((const unsigned char *)create_body, sizeof(create_body) - 1,
		    sha);
		callmark_make(id, t, sha, "POST", 4, "/v1.41/containers/create",
		    24, mark);
		b64((const unsigned char *)create_body, sizeof(create_body) - 1,
		    enc);
		bb = enc;
		len = (size_t)snprintf(body, sizeof(body), "{\"RequestMethod\":"
		    "\"POST\",\"RequestUri\":\"/v1.41/containers/create\","
		    "\"RequestBody\":\"%s\",\"RequestHeaders\":{\"Content-Length\":"
		    "\"%zu\",\"Content-Type\":\"application/json\",\"User-Agent\":"
		    "\"Docker-Client/28.2.2 (linux)\",\"X-Dockaudit-Call\":\"%s\"}}\n",
		    bb, sizeof(create_body) - 1, mark);
	} else {
		len = (size_t)snprintf(body, sizeof(body), "{\"RequestMethod\":"
		    "\"GET\",\"RequestUri\":\"/v1.41/containers/json\","
		    "\"RequestHeaders\":{\"User-Agent\":\"curl/7.88.1\"}}\n");
	}
	return (size_t)snprintf(out, cap, "POST /AuthZPlugin.AuthZReq HTTP/1.1\r\n"
	    "Host: \r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: %zu\r\n"
	    "Accept: application/vnd.docker.plugins.v1.2+json\r\n\r\n%s", len,
	    body);
}

static int64_t
cpu_ns(int pid)
{
	char path[300], line[256];
	int64_t total = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		FILE *f;
		long long run = 0;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", pid,
		    de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(line, sizeof(line), f) != NULL &&
		    sscanf(line, "%lld", &run) == 1)
			total += run;
		fclose(f);
	}
	closedir(d);
	return total;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static const char *names[3] = { "ping (marked)", "create (marked, 1.7 KB)",
	    "bypass read (records)" };
	const char *sock = NULL, *keyfile = NULL;
	int n = 5000, warm = 200, c, fd, pid = 0, only = -1;
	int64_t cpu0 = 0;
	unsigned char key[64];
	ssize_t kl;
	int64_t *lat[3];
	static struct rbuf rb;
	static char req[65536];
	unsigned long long seq = 1;

	prog_name = "authz_rt";
	while ((c = getopt(argc, argv, "s:k:n:w:p:K:")) != -1) {
		if (c == 's') sock = optarg;
		else if (c == 'k') keyfile = optarg;
		else if (c == 'n') n = atoi(optarg);
		else if (c == 'w') warm = atoi(optarg);
		else if (c == 'p') pid = atoi(optarg);
		else if (c == 'K') only = atoi(optarg);
		else die("usage: authz_rt -s SOCK -k KEYFILE [-n N] [-w WARM] [-p PID] [-K KIND]");
	}
	if (sock == NULL || keyfile == NULL)
		die("usage: authz_rt -s SOCK -k KEYFILE [-n N] [-w WARM] [-p PID] [-K KIND]");
	if ((fd = open(keyfile, O_RDONLY)) < 0 || (kl = read(fd, key, sizeof(key))) < 16)
		die("%s: cannot read the key", keyfile);
	close(fd);
	callmark_key_set(key, (size_t)kl);
	fd = connect_unix(sock);
	rb.rb_fd = fd;
	for (int k = 0; k < 3; k++)
		lat[k] = calloc((size_t)n, sizeof(int64_t));
	for (int i = -warm; i < n; i++) {
		for (int k = 0; k < 3; k++) {
			if (only >= 0 && k != only)
				continue;
			size_t len = build(req, sizeof(req), k, seq++);
			int64_t t0 = now_ns(), t1;
			int closed = 0, status;

			write_all(fd, req, len);
			status = read_response(&rb, 0, &closed);
			t1 = now_ns();
			if (status != 200 || closed)
				die("plugin answered %d%s", status,
				    closed ? " and closed" : "");
			if (i >= 0)
				lat[k][i] = t1 - t0;
		}
		if (i == -1 && pid > 0)
			cpu0 = cpu_ns(pid);
	}
	printf("%-26s %8s %8s %8s %8s\n", "AuthZReq kind", "p50 us", "p90 us",
	    "p99 us", "max us");
	for (int k = 0; k < 3; k++) {
		if (only >= 0 && k != only)
			continue;
		qsort(lat[k], (size_t)n, sizeof(int64_t), cmp64);
		printf("%-26s %8.1f %8.1f %8.1f %8.1f\n", names[k],
		    lat[k][n / 2] / 1e3, lat[k][n * 9 / 10] / 1e3,
		    lat[k][n * 99 / 100] / 1e3, lat[k][n - 1] / 1e3);
	}
	if (pid > 0)
		printf("plugin CPU time per round trip (%s, all threads, "
		    "journal writer included): %.1f us\n", only >= 0 ?
		    names[only] : "all kinds",
		    (double)(cpu_ns(pid) - cpu0) / 1e3 / ((only >= 0 ? 1.0 : 3.0) * n));
	return 0;
}
