/* test-peer.c -- caller identity: container ids from cgroup files (both
 * drivers, v1 and v2), tty names, the live /proc path for our own process,
 * and redaction of secrets in recorded command lines. */
#include "unit.h"

#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "base/buf.h"
#include "base/err.h"
#include "capture/cmdline.h"
#include "capture/peer.h"
#include "json/json.h"

#define CID "3f2a5b1c9d8e7f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718"

TEST(container_from_cgroup_drivers)
{
	char id[65];

	ASSERT(peer_container_from_cgroup("0::/docker/" CID "\n", id));
	ASSERT_STREQ(id, CID);
	ASSERT(peer_container_from_cgroup(
	    "12:pids:/system.slice/docker-" CID ".scope\n0::/\n", id));
	ASSERT_STREQ(id, CID);
	ASSERT(peer_container_from_cgroup(
	    "1:name=systemd:/\n4:memory:/docker/" CID "\n", id));
	ASSERT_STREQ(id, CID);
	ASSERT(peer_container_from_cgroup(
	    "0::/system.slice/docker.service/docker/" CID "/init\n", id));
	ASSERT(!peer_container_from_cgroup("0::/user.slice/session-1.scope\n", id));
	ASSERT(!peer_container_from_cgroup("0::/docker/abc\n", id));
	ASSERT(!peer_container_from_cgroup(
	    "0::/system.slice/docker.service\n", id));
	/* upper-case hex is not a docker id */
	ASSERT(!peer_container_from_cgroup(
	    "0::/docker/3F2A5B1C9D8E7F60A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718\n", id));
}

TEST(tty_names)
{
	char t[32];

	ASSERT(!peer_tty_name(0, t, sizeof(t)));
	ASSERT(peer_tty_name((136 << 8) | 3, t, sizeof(t)));
	ASSERT_STREQ(t, "pts/3");
	ASSERT(peer_tty_name((4 << 8) | 1, t, sizeof(t)));
	ASSERT_STREQ(t, "tty1");
	ASSERT(peer_tty_name((4 << 8) | 64, t, sizeof(t)));
	ASSERT_STREQ(t, "ttyS0");
}

TEST(actor_of_socketpair_peer_is_us)
{
	int sv[2];
	struct buf b;
	struct json *j;
	char pid[32];

	ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	buf_init(&b, BUF_UNLIMITED);
	ASSERT_EQ(peer_actor_json(sv[0], &b), 0);
	j = json_parse(b.data, b.len, NULL);
	ASSERT(j != NULL);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	ASSERT_STREQ(json_num_text(json_get(j, "pid")), pid);
	ASSERT_STREQ(json_str(json_get(j, "proc")), "ok");
	ASSERT_STREQ(json_str(json_get(j, "auth")), "peercred");
	ASSERT(json_type(json_get(j, "cmdline")) == JSON_ARRAY);
	ASSERT(json_type(json_get(j, "parents")) == JSON_ARRAY);
	ASSERT(json_get(j, "loginuid") != NULL);
	json_free(j);
	buf_free(&b);
}

TEST(actor_of_exited_process_is_marked_not_guessed)
{
	struct buf b;
	pid_t child = fork();

	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	buf_init(&b, BUF_UNLIMITED);
	ASSERT_EQ(peer_actor_json_for(child, 1000, 1000, -1, &b), 0);
	ASSERT_CONTAINS(b.data, "\"proc\":\"exited\"");
	ASSERT_NOT_CONTAINS(b.data, "\"comm\"");
	ASSERT_NOT_CONTAINS(b.data, "\"cmdline\"");
	ASSERT_CONTAINS(b.data, "\"uid\":1000");
	buf_free(&b);
}

static char *
cmdline(const char *const *argv)
{
	struct buf raw, out;
	struct jw w;
	int trunc;

	buf_init(&raw, BUF_UNLIMITED);
	for (int i = 0; argv[i]; i++)
		buf_append(&raw, argv[i], strlen(argv[i]) + 1);
	buf_init(&out, BUF_UNLIMITED);
	jw_init(&w, &out);
	cmdline_write(&w, NULL, raw.data, raw.len, 64, &trunc);
	buf_free(&raw);
	return buf_steal(&out, NULL);
}

TEST(cmdline_redacts_secrets)
{
	const char *login[] = { "docker", "login", "-u", "bob", "-p", "S3cret", "reg", NULL };
	const char *login2[] = { "docker", "login", "--password=S3cret", NULL };
	const char *run[] = { "docker", "run", "-p", "80:80", "-e", "TOKEN=abc", "--env=K=v1",
	    "-eX=v2", "--build-arg", "A=v3", "bb", NULL };
	const char *curl[] = { "/usr/bin/curl", "-u", "me:pw1", "-H", "X-Registry-Auth: e30=",
	    "-H", "Accept: */*", "http://u:pw2@h/x", NULL };
	const char *envs[] = { "env", "DB_PASSWORD=pw3", "PATH=/bin", NULL };
	const char *curld[] = { "curl", "-d", "{\"username\":\"u\",\"password\":\"pw4\"}",
	    "--data-raw", "token=pw5", "-d{\"Secret\":\"pw6\"}", "-d", "{\"Image\":\"bb\"}", NULL };
	const char *opts[] = { "docker", "run", "--log-opt=splunk-token=pw7",
	    "--log-opt", "splunk-token=pw8", "bb", NULL };
	const char *vol[] = { "docker", "volume", "create", "--opt",
	    "o=addr=h,username=u,password=pw9", "-o",
	    "o=credentials=/etc/pw10,vers=3", "v", NULL };
	char *s;

	s = cmdline(opts);
	ASSERT_STREQ(s, "[\"docker\",\"run\",\"--log-opt=splunk-token=[redacted]\","
	    "\"--log-opt\",\"splunk-token=[redacted]\",\"bb\"]");
	free(s);
	s = cmdline(vol);
	ASSERT_STREQ(s, "[\"docker\",\"volume\",\"create\",\"--opt\","
	    "\"o=addr=h,username=u,password=[redacted]\",\"-o\","
	    "\"o=credentials=[redacted],vers=3\",\"v\"]");
	free(s);
	s = cmdline(login);
	ASSERT_STREQ(s, "[\"docker\",\"login\",\"-u\",\"bob\",\"-p\",\"[redacted]\",\"reg\"]");
	free(s);
	s = cmdline(login2);
	ASSERT_STREQ(s, "[\"docker\",\"login\",\"--password=[redacted]\"]");
	free(s);
	s = cmdline(run);
	ASSERT_STREQ(s, "[\"docker\",\"run\",\"-p\",\"80:80\",\"-e\",\"TOKEN=[redacted]\","
	    "\"--env=K=[redacted]\",\"-eX=[redacted]\",\"--build-arg\",\"A=[redacted]\",\"bb\"]");
	free(s);
	s = cmdline(curl);
	ASSERT_NOT_CONTAINS(s, "pw1");
	ASSERT_NOT_CONTAINS(s, "pw2");
	ASSERT_NOT_CONTAINS(s, "e30=");
	ASSERT_CONTAINS(s, "Accept: */*");
	ASSERT_CONTAINS(s, "me:[redacted]");
	free(s);
	s = cmdline(envs);
	ASSERT_STREQ(s, "[\"env\",\"DB_PASSWORD=[redacted]\",\"PATH=/bin\"]");
	free(s);
	s = cmdline(curld);
	ASSERT_NOT_CONTAINS(s, "pw4");
	ASSERT_NOT_CONTAINS(s, "pw5");
	ASSERT_NOT_CONTAINS(s, "pw6");
	ASSERT_CONTAINS(s, "username");
	ASSERT_CONTAINS(s, "{\\\"Image\\\":\\\"bb\\\"}");
	free(s);
}

TEST(actor_cache_reuses_but_sees_loginuid_change)
{
	struct buf a, b;
	FILE *f;
	int sv[2], changed;

	buf_init(&a, BUF_UNLIMITED);
	buf_init(&b, BUF_UNLIMITED);
	ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ASSERT_EQ(peer_actor_json(sv[0], &a), 0);
	ASSERT_EQ(peer_actor_json(sv[0], &b), 0);
	ASSERT_STREQ(a.data, b.data);		/* same process: same actor */
	/* A new loginuid (as pam_loginuid sets it) must not be hidden by
	 * the cache.  Needs CAP_AUDIT_CONTROL; this test runs forked. */
	changed = 0;
	if ((f = fopen("/proc/self/loginuid", "w")) != NULL) {
		int wrote = fprintf(f, "4242") > 0;

		changed = fclose(f) == 0 && wrote;
	}
	buf_reset(&b);
	ASSERT_EQ(peer_actor_json(sv[0], &b), 0);
	if (changed) {
		ASSERT_CONTAINS(b.data, "\"loginuid\":4242");
		ASSERT_NOT_CONTAINS(a.data, "\"loginuid\":4242");
	} else {
		ASSERT_STREQ(a.data, b.data);
	}
	buf_free(&a);
	buf_free(&b);
}

/* The proxy loop and the events/AuthZ threads render actors at once: two
 * threads churn the actor cache (more live pids than slots) and the name
 * cache (more uids than slots); every actor must be whole JSON naming the
 * uid it was asked for and that uid's user.  Built with -fsanitize=thread
 * (make tsan) this also shows there is no data race. */
#define HAMMER_KIDS	40
#define HAMMER_ROUNDS	1500

static pid_t hammer_pids[HAMMER_KIDS];

static void *
hammer(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	char want[96], err[DA_ERRLEN];
	struct buf b;
	long bad = 0;

	buf_init(&b, BUF_UNLIMITED);
	for (int i = 0; i < HAMMER_ROUNDS; i++) {
		pid_t pid = hammer_pids[rand_r(&seed) % HAMMER_KIDS];
		unsigned uid = rand_r(&seed) % 160;
		struct passwd pw, *res = NULL;
		char tmp[1024];
		struct json *j;

		buf_reset(&b);
		if (peer_actor_json_for(pid, uid, uid, -1, &b) != 0 ||
		    (j = json_parse(b.data, b.len, err)) == NULL) {
			bad++;
			continue;
		}
		json_free(j);
		snprintf(want, sizeof(want), "\"uid\":%u,", uid);
		if (strstr(b.data, want) == NULL)
			bad++;
		if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res) {
			snprintf(want, sizeof(want), "\"user\":\"%s\"",
			    pw.pw_name);
			if (strstr(b.data, want) == NULL)
				bad++;
		}
	}
	buf_free(&b);
	return (void *)bad;
}

TEST(caches_shared_by_two_threads)
{
	pthread_t t1, t2;
	void *bad1, *bad2;
	int i;

	for (i = 0; i < HAMMER_KIDS; i++) {
		if ((hammer_pids[i] = fork()) == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);	/* not orphaned */
			pause();
			_exit(0);
		}
		ASSERT(hammer_pids[i] > 0);
	}
	ASSERT_EQ(pthread_create(&t1, NULL, hammer, (void *)1), 0);
	ASSERT_EQ(pthread_create(&t2, NULL, hammer, (void *)2), 0);
	ASSERT_EQ(pthread_join(t1, &bad1), 0);
	ASSERT_EQ(pthread_join(t2, &bad2), 0);
	for (i = 0; i < HAMMER_KIDS; i++) {
		kill(hammer_pids[i], SIGKILL);
		waitpid(hammer_pids[i], NULL, 0);
	}
	ASSERT_EQ((long)bad1, 0);
	ASSERT_EQ((long)bad2, 0);
}
