/* alert.c -- render an alert record (see alert.h). */
#include <string.h>

#include "event/alert.h"
#include "event/record.h"
#include "json/json.h"

int
alert_render(const struct alert *al, struct buf *out)
{
	struct buf a, detail;
	struct evt e;
	struct jw w;
	int rc;

	buf_init(&a, 64 * 1024);
	buf_init(&detail, 64 * 1024);
	jw_init(&w, &a);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "rule", al->rule);
	jw_str(&w, "title", al->title);
	jw_str(&w, "level", al->level);
	jw_arr_begin(&w, "tags");
	jw_str(&w, NULL, al->tag);
	jw_arr_end(&w);
	jw_arr_begin(&w, "events");
	jw_str(&w, NULL, al->trigger_id);
	jw_arr_end(&w);
	jw_int(&w, "count", 1);
	jw_str(&w, "reason", al->reason);
	jw_obj_end(&w);
	jw_init(&w, &detail);
	jw_obj_begin(&w, NULL);
	jw_strn(&w, "method", al->method, al->method_len);
	jw_strn(&w, "path", al->path, al->path_len);
	jw_str(&w, "action", al->action);
	jw_obj_end(&w);
	memset(&e, 0, sizeof(e));
	e.kind = "alert";
	e.source = al->source;
	e.action = al->rule;
	e.alert_json = a.data;
	e.alert_len = a.len;
	e.detail_json = detail.data;
	e.detail_len = detail.len;
	rc = evt_render(&e, out);
	buf_free(&a);
	buf_free(&detail);
	return rc;
}
