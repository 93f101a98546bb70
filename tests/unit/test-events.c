/* test-events.c -- the events capture without a dockerd: mapping an event
 * object to a daemon record (trusted attributes only: labels named like
 * dockerd's own keys do not promote), the action names, the duplicate
 * filter, since= formatting, the gap decision, the recent-call table and
 * the cause it gives, and finding the resume point in a journal written
 * through the journal API (backwards scan, boundary keys, gap records,
 * the hint file and its distrust). */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "unit.h"

#include "base/clock.h"
#include "base/err.h"
#include "capture/events_int.h"
#include "capture/recent.h"
#include "journal/internal.h"
#include "journal/journal.h"
#include "journal/reader.h"
#include "journal/verify.h"
#include "json/json.h"

#include "journal-util.h"

#define CID "3f2a5b6c7d8e9f00112233445566778899aabbccddeeff00112233445566778a"
#define XID "aa2a5b6c7d8e9f00112233445566778899aabbccddeeff00112233445566778b"

/* An event line as dockerd 20.10 sends it. */
static char *
event_line(const char *type, const char *action, const char *id,
    const char *attrs, long long tn)
{
	static char line[4096];

	snprintf(line, sizeof(line), "{\"status\":\"x\",\"id\":\"%s\",\"Type\":\"%s\","
	    "\"Action\":\"%s\",\"Actor\":{\"ID\":\"%s\",\"Attributes\":{%s}},"
	    "\"scope\":\"local\",\"time\":%lld,\"timeNano\":%lld}", id, type,
	    action, id, attrs, tn / 1000000000, tn);
	return line;
}

/* Map one line; returns the parsed record (caller frees). */
static struct json *
map(struct ev_labels *lb, const char *line)
{
	struct ev_event ev;
	char err[DA_ERRLEN];
	struct buf out;
	struct json *rec;

	buf_init(&out, BUF_UNLIMITED);
	if (ev_parse(line, strlen(line), &ev, err) != DA_OK)
		UNIT_FAIL("ev_parse: %s: %s", err, line);
	buf_putc(&out, '{');
	ASSERT_EQ(ev_render(lb, &ev, &out), DA_OK);
	buf_putc(&out, '}');
	ev_event_free(&ev);
	if ((rec = json_parse(out.data, out.len, err)) == NULL)
		UNIT_FAIL("record is not JSON: %s: %s", err, out.data);
	buf_free(&out);
	return rec;
}

static const char *
pstr(const struct json *r, const char *path)
{
	return json_str(json_path(r, path));
}

static int64_t
pint(const struct json *r, const char *path)
{
	int64_t v = -999;

	if (json_int(json_path(r, path), &v) != 0)
		return -999;
	return v;
}

TEST(die_exit_code_promoted_once_labels_known)
{
	struct ev_labels *lb = calloc(1, sizeof(*lb));
	struct json *r;

	recent_reset();
	r = map(lb, event_line("container", "start", CID,
	    "\"image\":\"bb\",\"name\":\"web\",\"team\":\"a\"", 1000000000000000007LL));
	ASSERT_STREQ(pstr(r, "action"), "container.start");
	ASSERT_STREQ(pstr(r, "kind"), "daemon");
	ASSERT_STREQ(pstr(r, "source"), "events");
	ASSERT_STREQ(pstr(r, "object.type"), "container");
	ASSERT_STREQ(pstr(r, "object.id"), CID);
	ASSERT_STREQ(pstr(r, "object.name"), "web");
	ASSERT_STREQ(pstr(r, "object.image"), "bb");
	ASSERT_EQ(pint(r, "daemon_event.time_nano"), 1000000000000000007LL);
	ASSERT_STREQ(pstr(r, "daemon_event.time"), "2001-09-09T01:46:40.000000007Z");
	ASSERT_STREQ(pstr(r, "daemon_event.attributes_untrusted.team"), "a");
	ASSERT_NULL(json_path(r, "daemon_event.attributes_untrusted.image"));
	ASSERT_NULL(json_path(r, "cause"));
	json_free(r);
	r = map(lb, event_line("container", "die", CID,
	    "\"exitCode\":\"7\",\"image\":\"bb\",\"name\":\"web\",\"team\":\"a\"",
	    1000000000000000009LL));
	ASSERT_STREQ(pstr(r, "action"), "container.die");
	ASSERT_EQ(pint(r, "daemon_event.exit_code"), 7);
	ASSERT(json_is_true(json_path(r, "daemon_event.labels_known")));
	ASSERT_NULL(json_path(r, "daemon_event.unverified"));
	json_free(r);
	free(lb);
}

TEST(label_named_exitcode_does_not_promote)
{
	struct ev_labels *lb = calloc(1, sizeof(*lb));
	struct json *r;

	recent_reset();
	/* create carries labels + image + name: a label exitCode=0 shows */
	json_free(map(lb, event_line("container", "create", CID,
	    "\"exitCode\":\"0\",\"image\":\"bb\",\"name\":\"sneaky\"", 10)));
	/* dockerd's die: the label overwrote the real exit code */
	r = map(lb, event_line("container", "die", CID,
	    "\"exitCode\":\"0\",\"image\":\"bb\",\"name\":\"sneaky\"", 20));
	ASSERT_NULL(json_path(r, "daemon_event.exit_code"));
	ASSERT_STREQ(json_str(json_at(json_path(r, "daemon_event.unverified"), 0)),
	    "exitCode");
	ASSERT_STREQ(pstr(r, "daemon_event.attributes_untrusted.exitCode"), "0");
	json_free(r);
	free(lb);
}

TEST(label_case_variants_and_image_label_ignored)
{
	struct ev_labels *lb = calloc(1, sizeof(*lb));
	struct json *r;

	recent_reset();
	/* Go map keys are case-sensitive: "Image" and "ExitCode" are labels,
	 * not the attributes dockerd sets (which it writes after labels). */
	json_free(map(lb, event_line("container", "start", CID,
	    "\"ExitCode\":\"0\",\"Image\":\"evil\",\"NAME\":\"evil\","
	    "\"image\":\"bb\",\"name\":\"ok\"", 10)));
	r = map(lb, event_line("container", "die", CID,
	    "\"ExitCode\":\"0\",\"Image\":\"evil\",\"NAME\":\"evil\","
	    "\"exitCode\":\"42\",\"image\":\"bb\",\"name\":\"ok\"", 20));
	ASSERT_STREQ(pstr(r, "object.image"), "bb");
	ASSERT_STREQ(pstr(r, "object.name"), "ok");
	ASSERT_EQ(pint(r, "daemon_event.exit_code"), 42);
	ASSERT_STREQ(pstr(r, "daemon_event.attributes_untrusted.Image"), "evil");
	json_free(r);
	free(lb);
}

TEST(unknown_labels_leave_added_keys_unverified)
{
	struct ev_labels *lb = calloc(1, sizeof(*lb));
	struct json *r;

	recent_reset();
	r = map(lb, event_line("container", "kill", CID,
	    "\"signal\":\"9\",\"image\":\"bb\",\"name\":\"x\"", 5));
	ASSERT(json_type(json_path(r, "daemon_event.labels_known")) == JSON_FALSE);
	ASSERT_NULL(json_path(r, "daemon_event.signal"));
	ASSERT_STREQ(json_str(json_at(json_path(r, "daemon_event.unverified"), 0)),
	    "signal");
	json_free(r);
	json_free(map(lb, event_line("container", "start", CID,
	    "\"image\":\"bb\",\"name\":\"x\"", 6)));
	r = map(lb, event_line("container", "kill", CID,
	    "\"signal\":\"9\",\"image\":\"bb\",\"name\":\"x\"", 7));
	ASSERT_EQ(pint(r, "daemon_event.signal"), 9);
	json_free(r);
	free(lb);
}

TEST(action_names)
{
	struct ev_labels *lb = calloc(1, sizeof(*lb));
	struct json *r;

	recent_reset();
	json_free(map(lb, event_line("container", "create", CID,
	    "\"image\":\"bb\",\"name\":\"h\"", 1)));
	r = map(lb, event_line("container", "health_status: unhealthy", CID,
	    "\"image\":\"bb\",\"name\":\"h\"", 2));
	ASSERT_STREQ(pstr(r, "action"), "container.health_status");
	ASSERT_STREQ(pstr(r, "daemon_event.health_status"), "unhealthy");
	ASSERT_STREQ(pstr(r, "daemon_event.action"), "health_status: unhealthy");
	json_free(r);
	r = map(lb, event_line("container", "exec_start: sh -c echo hi", CID,
	    "\"execID\":\"" XID "\",\"image\":\"bb\",\"name\":\"h\"", 3));
	ASSERT_STREQ(pstr(r, "action"), "container.exec_start");
	ASSERT_STREQ(pstr(r, "daemon_event.exec_cmd"), "sh -c echo hi");
	ASSERT_STREQ(pstr(r, "daemon_event.exec_id"), XID);
	json_free(r);
	r = map(lb, event_line("daemon", "reload", "U2QO", "\"name\":\"vm\"", 4));
	ASSERT_STREQ(pstr(r, "action"), "daemon.reload");
	ASSERT_STREQ(pstr(r, "object.type"), "daemon");
	ASSERT_NULL(json_path(r, "daemon_event.labels_known"));
	json_free(r);
	r = map(lb, event_line("network", "connect", "n1",
	    "\"container\":\"" CID "\",\"name\":\"net\",\"type\":\"bridge\"", 5));
	ASSERT_STREQ(pstr(r, "action"), "network.connect");
	ASSERT_STREQ(pstr(r, "object.name"), "net");
	ASSERT_STREQ(pstr(r, "daemon_event.attributes_untrusted.container"), CID);
	json_free(r);
	r = map(lb, event_line("volume", "destroy", "data1", "\"driver\":\"local\"", 6));
	ASSERT_STREQ(pstr(r, "action"), "volume.destroy");
	ASSERT_STREQ(pstr(r, "object.name"), "data1");	/* its Actor.ID */
	ASSERT_STREQ(pstr(r, "daemon_event.attributes_untrusted.driver"), "local");
	json_free(r);
	r = map(lb, event_line("Weird Type", "boom!", "z", "", 6));
	ASSERT_STREQ(pstr(r, "action"), "unknown.unknown");
	ASSERT_STREQ(pstr(r, "daemon_event.type"), "Weird Type");
	json_free(r);
	free(lb);
}

TEST(parse_rejects_non_events)
{
	struct ev_event ev;
	char err[DA_ERRLEN];

	ASSERT_EQ(ev_parse("[1]", 3, &ev, err), DA_E_PARSE);
	ASSERT_EQ(ev_parse("{\"Type\":\"container\"}", 20, &ev, err), DA_E_PARSE);
	ASSERT_CONTAINS(err, "Action");
	ASSERT_EQ(ev_parse("{\"Type\":1,\"Action\":\"x\",\"timeNano\":5}", 36, &ev,
	    err), DA_E_PARSE);
	ASSERT_EQ(ev_parse("{\"Type\":\"a\",\"Action\":\"x\"}", 25, &ev, err),
	    DA_E_PARSE);
	ASSERT_CONTAINS(err, "timeNano");
	/* time only (very old dockerd): seconds */
	ASSERT_EQ(ev_parse("{\"Type\":\"a\",\"Action\":\"x\",\"time\":3}", 34, &ev,
	    err), DA_OK);
	ASSERT_EQ(ev.time_nano, 3000000000LL);
	ev_event_free(&ev);
}

TEST(dedupe_keys)
{
	struct ev_dedupe *d = calloc(1, sizeof(*d));
	struct ev_key a = ev_key_make(100, "container", "die", CID);

	ASSERT(!ev_dedupe_seen(d, a));
	ev_dedupe_add(d, a);
	ASSERT(ev_dedupe_seen(d, ev_key_make(100, "container", "die", CID)));
	/* any part different: a different event */
	ASSERT(!ev_dedupe_seen(d, ev_key_make(101, "container", "die", CID)));
	ASSERT(!ev_dedupe_seen(d, ev_key_make(100, "container", "kill", CID)));
	ASSERT(!ev_dedupe_seen(d, ev_key_make(100, "image", "die", CID)));
	ASSERT(!ev_dedupe_seen(d, ev_key_make(100, "container", "die", XID)));
	/* the separator keeps ("ab","c") apart from ("a","bc") */
	ASSERT(ev_key_make(1, "ab", "c", "").hash != ev_key_make(1, "a", "bc", "").hash);
	/* bounded: after EV_DEDUPE_MAX newer keys the first is forgotten */
	for (int i = 0; i < EV_DEDUPE_MAX - 1; i++)
		ev_dedupe_add(d, ev_key_make(1000 + i, "volume", "create", "v"));
	ASSERT(ev_dedupe_seen(d, a));
	ev_dedupe_add(d, ev_key_make(5000, "volume", "create", "v"));
	ASSERT(!ev_dedupe_seen(d, a));
	free(d);
}

TEST(since_format)
{
	char s[EV_SINCE_LEN];

	ev_format_since(1796195267259632600LL, s);
	ASSERT_STREQ(s, "1796195267.259632600");
	ev_format_since(1000000005LL, s);
	ASSERT_STREQ(s, "1.000000005");
	ev_format_since(7, s);
	ASSERT_STREQ(s, "0.000000007");
	ev_format_since(-3, s);
	ASSERT_STREQ(s, "0.000000000");
}

TEST(gap_decision)
{
	struct ev_gap g;

	/* nothing to resume from: never a gap */
	ASSERT_EQ(ev_gap_check(0, 500, 300, 400, &g), 0);
	/* the replay began at our last event: nothing lost */
	ASSERT_EQ(ev_gap_check(100, 50, 256, 100, &g), 0);
	/* fewer than dockerd's 256: nothing pushed out */
	ASSERT_EQ(ev_gap_check(100, 50, 255, 150, &g), 0);
	/* full and newer: overflow, window up to the first replayed event */
	ASSERT_EQ(ev_gap_check(100, 50, 256, 150, &g), 1);
	ASSERT_EQ(g.why, EV_GAP_OVERFLOW);
	ASSERT_EQ(g.from_ns, 100);
	ASSERT_EQ(g.to_ns, 150);
	/* dockerd started after our last event */
	ASSERT_EQ(ev_gap_check(100, 120, 3, 130, &g), 1);
	ASSERT_EQ(g.why, EV_GAP_RESTART);
	ASSERT_EQ(g.to_ns, 120);
	/* both */
	ASSERT_EQ(ev_gap_check(100, 120, 300, 140, &g), 1);
	ASSERT_EQ(g.why, EV_GAP_RESTART | EV_GAP_OVERFLOW);
	ASSERT_EQ(g.to_ns, 140);
	/* unknown start time (socket activation): overflow rule only */
	ASSERT_EQ(ev_gap_check(100, 0, 3, 130, &g), 0);
}

TEST(process_start_time)
{
	int64_t t = ev_process_start_ns(getpid()), now;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	ASSERT(t > 0);
	ASSERT(t <= now);
	ASSERT(now - t < 3600LL * 1000000000);	/* this test process is young */
	ASSERT_EQ(ev_process_start_ns(1), 0);	/* pid 1: the socket was handed over */
	ASSERT_EQ(ev_process_start_ns(-5), 0);
}

/* ---- recent calls and causes ---- */

static int64_t fake_now = 1000;
static int64_t fake_clock(void) { return fake_now; }

static const char actor[] = "{\"auth\":\"peercred\",\"uid\":1001,\"user\":\"alice\","
    "\"login_user\":\"bob\"}";

TEST(recent_matching)
{
	static const char *const starts[] = { "container.start", NULL };
	static const char *const creates[] = { "container.create", NULL };
	struct recent_cause c;

	recent_reset();
	recent_set_clock(fake_clock);
	fake_now = 1000;
	recent_note("r1", "container.start", "container", "3f2a5b6c7d8e", NULL, 0,
	    actor, sizeof(actor) - 1);
	ASSERT_EQ(recent_find(starts, CID, "web", 0, &c), 1);
	ASSERT_STREQ(c.request_id, "r1");
	ASSERT_STREQ(c.user, "alice");
	ASSERT_STREQ(c.login_user, "bob");
	ASSERT_EQ(c.uid, 1001);
	ASSERT_STREQ(c.match, "id");
	ASSERT_EQ(recent_find(creates, CID, "web", 0, &c), 0);
	ASSERT_EQ(recent_find(starts, XID, "other", 0, &c), 0);
	/* a newer call by name wins; a failed one never matches */
	recent_note("r2", "container.start", "container", NULL, "web", 0, NULL, 0);
	ASSERT_EQ(recent_find(starts, CID, "web", 0, &c), 1);
	ASSERT_STREQ(c.request_id, "r2");
	ASSERT_STREQ(c.match, "name");
	ASSERT_STREQ(c.user, "");
	recent_note("r2", "container.start", "container", NULL, NULL, 404, NULL, 0);
	ASSERT_EQ(recent_find(starts, CID, "web", 0, &c), 1);
	ASSERT_STREQ(c.request_id, "r1");
	/* short id prefixes are names, not ids */
	recent_note("r3", "container.start", "container", "3f2a", NULL, 0, NULL, 0);
	ASSERT_EQ(recent_find(starts, CID, "zz", 0, &c), 1);
	ASSERT_STREQ(c.request_id, "r1");
	/* a create still pending (no id yet) matches only when allowed */
	recent_note("r4", "container.create", "container", NULL, NULL, 0, NULL, 0);
	ASSERT_EQ(recent_find(creates, CID, "anything", 0, &c), 0);
	ASSERT_EQ(recent_find(creates, CID, "anything", 1, &c), 1);
	ASSERT_STREQ(c.match, "pending");
	/* once answered, its id is known */
	recent_note("r4", "container.create", "container", CID, NULL, 201, NULL, 0);
	ASSERT_EQ(recent_find(creates, CID, "anything", 0, &c), 1);
	ASSERT_STREQ(c.match, "id");
	/* expiry */
	fake_now += RECENT_TTL_NS + 1;
	ASSERT_EQ(recent_find(starts, CID, "web", 0, &c), 0);
	ASSERT_EQ(recent_find(creates, CID, "x", 1, &c), 0);
	recent_set_clock(NULL);
}

TEST(recent_is_bounded)
{
	static const char *const kills[] = { "container.kill", NULL };
	struct recent_cause c;
	char id[40];

	recent_reset();
	recent_note("first", "container.kill", "container", CID, NULL, 0, NULL, 0);
	for (int i = 0; i < RECENT_MAX; i++) {
		snprintf(id, sizeof(id), "fill-%d", i);
		recent_note(id, "container.stop", "container", XID, NULL, 0, NULL, 0);
	}
	ASSERT_EQ(recent_find(kills, CID, NULL, 0, &c), 0);
}

TEST(cause_in_records)
{
	struct ev_labels *lb = calloc(1, sizeof(*lb));
	struct json *r;

	recent_reset();
	recent_note("req-start", "container.start", "container", CID, NULL, 204,
	    actor, sizeof(actor) - 1);
	json_free(map(lb, event_line("container", "start", CID,
	    "\"image\":\"bb\",\"name\":\"w\"", 1)));
	r = map(lb, event_line("container", "die", CID,
	    "\"exitCode\":\"7\",\"image\":\"bb\",\"name\":\"w\"", 2));
	ASSERT_STREQ(pstr(r, "cause.request_id"), "req-start");
	ASSERT_STREQ(pstr(r, "cause.action"), "container.start");
	ASSERT_STREQ(pstr(r, "cause.user"), "alice");
	ASSERT_STREQ(pstr(r, "cause.match"), "id");
	json_free(r);
	/* a kill by name is newer: the die is its doing */
	recent_note("req-kill", "container.kill", "container", NULL, "w", 204,
	    NULL, 0);
	r = map(lb, event_line("container", "die", CID,
	    "\"exitCode\":\"137\",\"image\":\"bb\",\"name\":\"w\"", 3));
	ASSERT_STREQ(pstr(r, "cause.request_id"), "req-kill");
	json_free(r);
	/* exec events link by exec id to exec.start */
	recent_note("req-exec", "exec.start", "exec", XID, NULL, 0, NULL, 0);
	r = map(lb, event_line("container", "exec_start: sh", CID,
	    "\"execID\":\"" XID "\",\"image\":\"bb\",\"name\":\"w\"", 4));
	ASSERT_STREQ(pstr(r, "cause.request_id"), "req-exec");
	json_free(r);
	/* ...but not through a label that poses as execID */
	json_free(map(lb, event_line("container", "create", XID,
	    "\"execID\":\"" XID "\",\"image\":\"bb\",\"name\":\"v\"", 5)));
	r = map(lb, event_line("container", "exec_start: sh", XID,
	    "\"execID\":\"" XID "\",\"image\":\"bb\",\"name\":\"v\"", 6));
	ASSERT_NULL(json_path(r, "cause"));
	ASSERT_NULL(json_path(r, "daemon_event.exec_id"));
	json_free(r);
	/* a container nobody touched dies on its own: no cause */
	r = map(lb, event_line("container", "die",
	    "bbbb5b6c7d8e9f00112233445566778899aabbccddeeff001122334455667700",
	    "\"exitCode\":\"1\",\"image\":\"bb\",\"name\":\"lonely\"", 7));
	ASSERT_NULL(json_path(r, "cause"));
	json_free(r);
	free(lb);
}

/* ---- resume point ---- */

static uint64_t
put(struct journal *j, const char *members_text)
{
	uint64_t t = 0;

	ASSERT_EQ(jrn_submit(j, members_text, strlen(members_text), &t), DA_OK);
	return t;
}

/* Append the daemon record ev_render makes for an event. */
static uint64_t
put_event(struct journal *j, struct ev_labels *lb, const char *type,
    const char *action, const char *id, long long tn)
{
	struct ev_event ev;
	char err[DA_ERRLEN];
	struct buf out;
	const char *line = event_line(type, action, id, "\"name\":\"n\"", tn);
	uint64_t t;

	buf_init(&out, BUF_UNLIMITED);
	ASSERT_EQ(ev_parse(line, strlen(line), &ev, err), DA_OK);
	ASSERT_EQ(ev_render(lb, &ev, &out), DA_OK);
	ev_event_free(&ev);
	t = put(j, out.data);
	buf_free(&out);
	return t;
}

/* n api-like records of about 500 bytes, stamped with the time now */
static void
put_api(struct journal *j, int n)
{
	char m[700], ts[CLOCK_RFC3339_LEN], pad[501];

	memset(pad, 'a', 500);
	pad[500] = '\0';
	for (int i = 0; i < n; i++) {
		uint64_t t;

		clock_format(clock_now_ns(), ts);
		snprintf(m, sizeof(m), "\"id\":\"api-%d\",\"time\":\"%s\","
		    "\"kind\":\"api\",\"source\":\"proxy\",\"pad\":\"%s\"",
		    i, ts, pad);
		ASSERT_EQ(jrn_submit(j, m, strlen(m), &t), DA_OK);
	}
}

TEST(resume_empty_and_no_events)
{
	struct ev_resume r;
	char err[DA_ERRLEN];
	struct journal *j;
	struct jrn_recovery rec;

	mk_journal();
	ASSERT_EQ(ev_resume_find(jdir, EV_RESUME_SCAN_BYTES, &r, err), DA_OK);
	ASSERT_EQ(r.found, 0);
	ASSERT_STREQ(r.source, "none");
	j = open_j(0, NULL, &rec);
	put_api(j, 50);
	jrn_close(j);
	ASSERT_EQ(ev_resume_find(jdir, EV_RESUME_SCAN_BYTES, &r, err), DA_OK);
	ASSERT_EQ(r.found, 0);
	ASSERT_STREQ(r.source, "none");
	ASSERT(r.scanned_bytes > 50 * 500);
	rm_tmp();
}

TEST(resume_last_event_and_boundary_keys)
{
	struct ev_labels *lb = calloc(1, sizeof(*lb));
	struct ev_resume r;
	char err[DA_ERRLEN];
	struct journal *j;
	struct jrn_recovery rec;
	uint64_t last;

	mk_journal();
	/* small segments: the scan crosses segment files */
	j = open_j(8192, NULL, &rec);
	put_event(j, lb, "container", "create", CID, 100);
	put_api(j, 40);
	put_event(j, lb, "container", "start", CID, 200);
	put_event(j, lb, "volume", "create", "v1", 300);
	put_api(j, 5);
	last = put_event(j, lb, "volume", "mount", "v1", 300);	/* same time */
	put_api(j, 40);
	jrn_close(j);
	ASSERT_EQ(ev_resume_find(jdir, EV_RESUME_SCAN_BYTES, &r, err), DA_OK);
	ASSERT_EQ(r.found, 1);
	ASSERT_STREQ(r.source, "journal");
	ASSERT_EQ(r.time_nano, 300);
	ASSERT_EQ(r.seq, last);
	ASSERT_EQ(r.nboundary, 2);
	{
		struct ev_dedupe *d = calloc(1, sizeof(*d));

		for (size_t i = 0; i < r.nboundary; i++)
			ev_dedupe_add(d, r.boundary[i]);
		ASSERT(ev_dedupe_seen(d, ev_key_make(300, "volume", "create", "v1")));
		ASSERT(ev_dedupe_seen(d, ev_key_make(300, "volume", "mount", "v1")));
		ASSERT(!ev_dedupe_seen(d, ev_key_make(200, "container", "start", CID)));
		free(d);
	}
	rm_tmp();
	free(lb);
}

/* The last event sits in a closed segment that has been compressed. */
TEST(resume_from_compressed_segment)
{
	struct ev_labels *lb = calloc(1, sizeof(*lb));
	struct ev_resume r;
	char err[DA_ERRLEN], **segs;
	struct journal *j;
	struct jrn_recovery rec;
	size_t nsegs, z = 0;
	uint64_t last;
	int dfd;

	mk_journal();
	j = open_j(8192, NULL, &rec);
	put_event(j, lb, "container", "create", CID, 100);
	last = put_event(j, lb, "container", "die", CID, 400);
	put_api(j, 60);		/* several segments with no event after it */
	jrn_close(j);
	ASSERT_EQ(jrn_segments(jdir, &segs, &nsegs, err), DA_OK);
	ASSERT(nsegs > 2);
	ASSERT((dfd = open(jdir, O_RDONLY | O_DIRECTORY)) >= 0);
	for (size_t i = 0; i + 1 < nsegs; i++, z++)
		ASSERT_EQ(jrn__compress_segment(dfd, jdir, segs[i], 3, NULL,
		    NULL, err), DA_OK);
	close(dfd);
	jrn_segments_free(segs, nsegs);
	ASSERT_EQ(jrn_segments(jdir, &segs, &nsegs, err), DA_OK);
	ASSERT(strstr(segs[0], ".zst") != NULL);
	jrn_segments_free(segs, nsegs);
	ASSERT_EQ(ev_resume_find(jdir, EV_RESUME_SCAN_BYTES, &r, err), DA_OK);
	ASSERT_EQ(r.found, 1);
	ASSERT_STREQ(r.source, "journal");
	ASSERT_EQ(r.time_nano, 400);
	ASSERT_EQ(r.seq, last);
	ASSERT(z > 1);
	rm_tmp();
	free(lb);
}

TEST(resume_after_gap_record)
{
	struct ev_labels *lb = calloc(1, sizeof(*lb));
	struct ev_resume r;
	char err[DA_ERRLEN];
	struct journal *j;
	struct jrn_recovery rec;

	mk_journal();
	j = open_j(0, NULL, &rec);
	put_event(j, lb, "container", "die", CID, 100);
	put(j, "\"id\":\"g\",\"kind\":\"audit\",\"source\":\"events\","
	    "\"action\":\"events.gap\",\"detail\":{\"from_nano\":100,\"to_nano\":900}");
	/* a proxy record that mentions events must not count */
	put(j, "\"id\":\"p\",\"kind\":\"api\",\"source\":\"proxy\",\"action\":"
	    "\"system.events\",\"note\":\"\\\"source\\\":\\\"events\\\"\"");
	jrn_close(j);
	ASSERT_EQ(ev_resume_find(jdir, EV_RESUME_SCAN_BYTES, &r, err), DA_OK);
	ASSERT_EQ(r.found, 1);
	ASSERT_EQ(r.time_nano, 900);
	ASSERT_EQ(r.nboundary, 0);
	rm_tmp();
	free(lb);
}

TEST(resume_torn_tail_ignored)
{
	struct ev_labels *lb = calloc(1, sizeof(*lb));
	struct ev_resume r;
	char err[DA_ERRLEN], p[400];
	struct journal *j;
	struct jrn_recovery rec;
	FILE *f;

	mk_journal();
	j = open_j(0, NULL, &rec);
	put_event(j, lb, "container", "die", CID, 100);
	jrn_close(j);
	/* half a daemon record at the end, as a crash leaves it */
	snprintf(p, sizeof(p), "%s/%016x.jsonl", jdir, 1);
	ASSERT((f = fopen(p, "a")) != NULL);
	fputs("{\"v\":1,\"seq\":3,\"kind\":\"daemon\",\"source\":\"events\","
	    "\"daemon_event\":{\"time_nano\":999", f);
	fclose(f);
	ASSERT_EQ(ev_resume_find(jdir, EV_RESUME_SCAN_BYTES, &r, err), DA_OK);
	ASSERT_EQ(r.time_nano, 100);
	rm_tmp();
	free(lb);
}

TEST(resume_budget_then_hint)
{
	struct ev_labels *lb = calloc(1, sizeof(*lb));
	struct ev_resume r;
	char err[DA_ERRLEN];
	struct journal *j;
	struct jrn_recovery rec;
	uint64_t seq;

	mk_journal();
	j = open_j(0, NULL, &rec);
	seq = put_event(j, lb, "container", "die", CID, 4242);
	put_api(j, 3000);	/* ~1.5 MB after it */
	jrn_close(j);
	/* within the budget: found by the scan */
	ASSERT_EQ(ev_resume_find(jdir, EV_RESUME_SCAN_BYTES, &r, err), DA_OK);
	ASSERT_STREQ(r.source, "journal");
	ASSERT_EQ(r.time_nano, 4242);
	/* budget too small, no hint: the caller is told */
	ASSERT_EQ(ev_resume_find(jdir, 256 * 1024, &r, err), DA_OK);
	ASSERT_EQ(r.found, 0);
	ASSERT_STREQ(r.source, "scan_limit");
	ASSERT(r.scanned_bytes <= 1024 * 1024);
	/* resume at the oldest record read: after the event, not before it */
	ASSERT(r.floor_ns > 0);
	{
		struct jrn_reader *rd;
		const char *line;
		size_t len;
		uint64_t s;
		char ts[64];
		int64_t t_event_rec = 0;

		ASSERT_EQ(jrn_reader_open(&rd, jdir, seq, err), DA_OK);
		ASSERT_EQ(jrn_reader_next(rd, &line, &len, &s, err), DA_OK);
		ASSERT(sscanf(strstr(line, "\"time\":\"") + 8, "%35[^\"]", ts) == 1);
		ASSERT_EQ(clock_parse(ts, 0, &t_event_rec), 0);
		jrn_reader_close(rd);
		ASSERT(r.floor_ns >= t_event_rec);
	}
	/* a hint that the journal confirms */
	ASSERT_EQ(ev_hint_write(jdir, seq, 4242), DA_OK);
	ASSERT_EQ(ev_resume_find(jdir, 256 * 1024, &r, err), DA_OK);
	ASSERT_EQ(r.found, 1);
	ASSERT_STREQ(r.source, "hint");
	ASSERT_EQ(r.time_nano, 4242);
	ASSERT_EQ(r.nboundary, 1);
	/* a hint the journal contradicts is not believed */
	ASSERT_EQ(ev_hint_write(jdir, seq, 9999), DA_OK);
	ASSERT_EQ(ev_resume_find(jdir, 256 * 1024, &r, err), DA_OK);
	ASSERT_EQ(r.found, 0);
	ASSERT_STREQ(r.source, "scan_limit");
	ASSERT_EQ(ev_hint_write(jdir, seq + 5, 4242), DA_OK);
	ASSERT_EQ(ev_resume_find(jdir, 256 * 1024, &r, err), DA_OK);
	ASSERT_EQ(r.found, 0);
	/* and the scan wins over a stale hint */
	ASSERT_EQ(ev_hint_write(jdir, 1, 1), DA_OK);
	ASSERT_EQ(ev_resume_find(jdir, EV_RESUME_SCAN_BYTES, &r, err), DA_OK);
	ASSERT_STREQ(r.source, "journal");
	ASSERT_EQ(r.time_nano, 4242);
	rm_tmp();
	free(lb);
}

/* ---- configuration ---- */

#include "daemon/config.h"

TEST(config_events_without_listen)
{
	struct config c;
	char err[DA_ERRLEN] = "";

	config_defaults(&c);
	/* on by default (issue 13): an audit trail has deaths and exit codes */
	ASSERT_EQ(c.events_enabled, 1);
	ASSERT_EQ(c.events_explicit, 0);
	ASSERT_EQ(config_set(&c, "journal.dir", "/tmp/x", "--journal", err), DA_OK);
	/* nothing asked for but the default: refused, and the message names
	 * --events (events alone must be asked for) */
	ASSERT_EQ(config_validate(&c, err), DA_E_INVAL);
	ASSERT_CONTAINS(err, "--events");
	ASSERT_EQ(config_set(&c, "events.enabled", "false", "--no-events", err),
	    DA_OK);
	ASSERT_EQ(c.events_enabled, 0);
	ASSERT_EQ(config_validate(&c, err), DA_E_INVAL);
	ASSERT_EQ(config_set(&c, "events.enabled", "true", "--events", err), DA_OK);
	ASSERT_EQ(c.events_enabled, 1);
	ASSERT_EQ(config_validate(&c, err), DA_OK);
	ASSERT_EQ(config_set(&c, "events.enabled", "maybe", "x.yaml line 3", err),
	    DA_E_INVAL);
	ASSERT_CONTAINS(err, "x.yaml line 3: events.enabled: 'maybe' is not a boolean");
	ASSERT_EQ(config_set(&c, "events.enable", "true", "x.yaml line 4", err),
	    DA_E_INVAL);
	ASSERT_CONTAINS(err, "expected enabled");
	config_free(&c);
}

/* ---- the stream's own records ---- */

TEST(connection_records_rate_limited)
{
	struct events *ev = calloc(1, sizeof(*ev));
	struct jrn_recovery rec;
	struct jrn_reader *rd;
	const char *line;
	char err[DA_ERRLEN];
	size_t len;
	uint64_t seq;
	int disc = 0, conn = 0, suppressed_seen = 0;

	mk_journal();
	ev->j = open_j(0, NULL, &rec);
	snprintf(ev->backend, sizeof(ev->backend), "/run/x.sock");
	buf_init(&ev->actor, 4096);
	buf_puts(&ev->actor, "{\"auth\":\"self\"}");
	buf_init(&ev->scratch, BUF_UNLIMITED);
	for (int i = 0; i < 8; i++) {
		ev_record_disconnected(ev, "connect: No such file or directory", 1);
		ev_record_connected(ev);
	}
	jrn_close(ev->j);
	ASSERT_EQ(jrn_reader_open(&rd, jdir, 1, err), DA_OK);
	while (jrn_reader_next(rd, &line, &len, &seq, err) == DA_OK) {
		if (memmem(line, len, "events.disconnected", 19))
			disc++;
		if (memmem(line, len, "events.connected", 16))
			conn++;
		if (memmem(line, len, "\"source\":\"events\"", 17) == NULL &&
		    memmem(line, len, "events.", 7))
			UNIT_FAIL("record without source events: %.*s", (int)len, line);
		if (memmem(line, len, "records_suppressed", 18))
			suppressed_seen = 1;
	}
	jrn_reader_close(rd);
	ASSERT_EQ(disc + conn, EV_CONN_RECORDS_MAX);	/* 16 asked, 10 a minute */
	ASSERT_EQ(ev->conn_suppressed, 6);
	ASSERT_EQ(suppressed_seen, 0);	/* reported by the next one written */
	buf_free(&ev->actor);
	buf_free(&ev->scratch);
	free(ev);
	rm_tmp();
}
