/* extract_mounts.c -- what a create call mounts from the host: HostConfig
 * Binds ("src:dst[:mode]", parsed like moby's linux parser), Mounts[]
 * (including local-driver volumes whose options make them host binds),
 * volume.create's driver options, and Devices.  Entries are written as
 * {"type","source","target","rw"[,"driver"][,"device","bind":true]}.
 * Driver options are never copied: they may hold mount passwords. */
#include <stdlib.h>
#include <string.h>

#include "event/extract.h"

struct mnt {
	const char	*type;	/* NULL: null */
	size_t		 typel;
	const char	*src;
	size_t		 srcl;
	const char	*dst;
	size_t		 dstl;
	int		 rw;	/* -1: null */
	int		 has_driver;	/* write "driver" (volumes) */
	const char	*driver;
	size_t		 driverl;
	const char	*device;	/* set: a volume that binds a host path */
	size_t		 devicel;
};

static void
put_mount(struct jw *w, const struct mnt *m)
{
	jw_obj_begin(w, NULL);
	jw_strn(w, "type", m->type, m->typel);
	jw_strn(w, "source", m->src, m->srcl);
	jw_strn(w, "target", m->dst, m->dstl);
	if (m->rw < 0)
		jw_null(w, "rw");
	else
		jw_bool(w, "rw", m->rw);
	if (m->has_driver)
		jw_strn(w, "driver", m->driver, m->driverl);
	if (m->device != NULL) {
		jw_strn(w, "device", m->device, m->devicel);
		jw_bool(w, "bind", 1);
	}
	jw_obj_end(w);
}

static int
tok_eq(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

/* moby's linuxValidMountMode: comma-separated, each token known, at most
 * one of each kind. */
static int
valid_mode(const char *s, size_t n)
{
	static const char *kinds[][7] = {
		{ "rw", "ro", NULL },
		{ "z", "Z", NULL },
		{ "private", "rprivate", "shared", "rshared", "slave", "rslave",
		  NULL },
		{ "nocopy", NULL },
		{ "consistent", "cached", "delegated", NULL },
	};
	int count[5] = { 0 };
	size_t i, start = 0, k, t;
	int found;

	if (n == 0)
		return 1;
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != ',')
			continue;
		found = 0;
		for (k = 0; k < 5 && !found; k++)
			for (t = 0; kinds[k][t] != NULL && !found; t++)
				if (tok_eq(s + start, i - start, kinds[k][t])) {
					found = 1;
					if (++count[k] > 1)
						return 0;
				}
		if (!found)
			return 0;
		start = i + 1;
	}
	return 1;
}

static int
mode_has(const char *s, size_t n, const char *tok)
{
	size_t i, start = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != ',')
			continue;
		if (tok_eq(s + start, i - start, tok))
			return 1;
		start = i + 1;
	}
	return 0;
}

/* One Binds entry: strings.SplitN(spec, ":", 4) and moby's rules.  An
 * entry dockerd would refuse is recorded as type "invalid" with the whole
 * spec as source. */
static void
put_bind(struct jw *w, const char *s, size_t n, const struct json *vdriver)
{
	const char *p[4];
	size_t l[4], i, start = 0;
	const char *mode = "";
	size_t model = 0;
	struct mnt m;
	int np = 0, ok = 1;

	for (i = 0;; i++) {
		if (np == 3) {
			p[3] = s + start;
			l[3] = n - start;
			np = 4;
			break;
		}
		if (i == n || s[i] == ':') {
			p[np] = s + start;
			l[np] = i - start;
			np++;
			start = i + 1;
			if (i == n)
				break;
		}
	}
	memset(&m, 0, sizeof(m));
	if (l[0] == 0 || np == 4 || (np == 2 && valid_mode(p[1], l[1])))
		ok = 0;
	if (np == 3) {
		mode = p[2];
		model = l[2];
		ok = ok && valid_mode(mode, model);
	}
	if (!ok) {
		m.type = "invalid";
		m.typel = 7;
		m.src = s;
		m.srcl = n;
		m.rw = -1;
		put_mount(w, &m);
		return;
	}
	if (np == 1) {
		m.dst = p[0];		/* anonymous volume */
		m.dstl = l[0];
	} else {
		m.src = p[0];
		m.srcl = l[0];
		m.dst = p[1];
		m.dstl = l[1];
	}
	m.rw = !mode_has(mode, model, "ro");
	if (m.src != NULL && m.src[0] == '/') {
		m.type = "bind";
		m.typel = 4;
	} else {
		m.type = "volume";
		m.typel = 6;
		m.has_driver = 1;
		if (json_strlen(vdriver) > 0) {
			m.driver = json_str(vdriver);
			m.driverl = json_strlen(vdriver);
		}
	}
	put_mount(w, &m);
}

/* A local-driver volume with o containing "bind" and a device is a bind
 * mount of that host path (wollomatic's check). */
static const struct json *
bind_device(const struct json *o, const struct json *dev)
{
	if (json_type(o) != JSON_STRING || json_strlen(dev) == 0 ||
	    memmem(json_str(o), json_strlen(o), "bind", 4) == NULL)
		return NULL;
	return dev;
}

static void
set_str(const struct json *v, const char **s, size_t *n)
{
	*s = json_str(v);
	*n = json_strlen(v);
}

/* One Mounts[] element (mount.Mount). */
static void
put_mount_elem(struct jw *w, const struct extract__view *el)
{
	struct extract__view vo, dc;
	const struct json *type = extract__scalar(el, "Type"), *ro, *dev;
	struct mnt m;

	memset(&m, 0, sizeof(m));
	set_str(type, &m.type, &m.typel);
	set_str(extract__scalar(el, "Source"), &m.src, &m.srcl);
	set_str(extract__scalar(el, "Target"), &m.dst, &m.dstl);
	ro = extract__scalar(el, "ReadOnly");
	m.rw = !json_is_true(ro);
	if (tok_eq(m.type ? m.type : "", m.typel, "volume")) {
		extract__view_field(&vo, el, "VolumeOptions", 1);
		extract__view_field(&dc, &vo, "DriverConfig", 1);
		m.has_driver = 1;
		set_str(extract__scalar(&dc, "Name"), &m.driver, &m.driverl);
		if (m.driverl == 0)
			m.driver = NULL;
		dev = bind_device(extract__map_get(&dc, "Options", "o"),
		    extract__map_get(&dc, "Options", "device"));
		set_str(dev, &m.device, &m.devicel);
		extract__view_free(&dc);
		extract__view_free(&vo);
	}
	put_mount(w, &m);
}

void
extract__mounts(struct extract__out *o, const struct extract__view *v,
    int binds, const struct json *vdriver_top)
{
	const struct json **vals = NULL, *vdriver = NULL;
	struct extract__view *els;
	size_t nb = 0, ne, i;
	int have_binds = 0, have_mounts;

	if (binds) {
		have_binds = extract__strs(v, "Binds", &vals, &nb);
		vdriver = extract__scalar(v, "VolumeDriver");
		if (json_strlen(vdriver) == 0)	/* Go's zero value */
			vdriver = vdriver_top;
		if (json_type(vdriver) != JSON_STRING)
			vdriver = NULL;
	}
	have_mounts = extract__view_elems(v, "Mounts", &els, &ne);
	if (!have_binds && !have_mounts) {
		if (o->nulls)
			jw_null(o->w, "mounts");
		return;
	}
	jw_arr_begin(o->w, "mounts");
	for (i = 0; i < nb; i++) {
		if (vals[i] == NULL)
			put_bind(o->w, "", 0, vdriver);
		else if (json_type(vals[i]) == JSON_STRING)
			put_bind(o->w, json_str(vals[i]), json_strlen(vals[i]),
			    vdriver);
	}
	for (i = 0; i < ne; i++)
		put_mount_elem(o->w, &els[i]);
	jw_arr_end(o->w);
	free(vals);
	extract__views_free(els, ne);
}

void
extract__volume_create(struct extract__out *o,
    const struct extract__view *body)
{
	const struct json *name = extract__scalar(body, "Name");
	const struct json *driver = extract__scalar(body, "Driver");
	const struct json *type = extract__map_get(body, "DriverOpts", "type");
	const struct json *opt = extract__map_get(body, "DriverOpts", "o");
	const struct json *dev = extract__map_get(body, "DriverOpts", "device");
	const struct json *bdev = bind_device(opt, dev);
	struct mnt m;

	if (driver != NULL || type != NULL || dev != NULL) {
		jw_obj_begin(o->w, "volume");
		if (json_type(driver) == JSON_STRING)
			jw_strn(o->w, "driver", json_str(driver),
			    json_strlen(driver));
		if (json_type(type) == JSON_STRING)
			jw_strn(o->w, "type", json_str(type), json_strlen(type));
		if (json_type(dev) == JSON_STRING)
			jw_strn(o->w, "device", json_str(dev), json_strlen(dev));
		jw_bool(o->w, "bind", bdev != NULL);
		jw_obj_end(o->w);
	}
	if (bdev == NULL)
		return;
	memset(&m, 0, sizeof(m));
	m.type = "volume";
	m.typel = 6;
	set_str(name, &m.src, &m.srcl);
	m.rw = !mode_has(json_str(opt), json_strlen(opt), "ro");
	m.has_driver = 1;
	set_str(driver, &m.driver, &m.driverl);
	if (m.driverl == 0)
		m.driver = NULL;
	set_str(bdev, &m.device, &m.devicel);
	jw_arr_begin(o->w, "mounts");
	put_mount(o->w, &m);
	jw_arr_end(o->w);
}

void
extract__devices(struct extract__out *o, const struct extract__view *v)
{
	struct extract__view *els;
	const struct json *p;
	size_t n, i;

	if (!extract__view_elems(v, "Devices", &els, &n)) {
		if (o->nulls)
			jw_null(o->w, "devices");
		return;
	}
	jw_arr_begin(o->w, "devices");
	for (i = 0; i < n; i++) {
		p = extract__scalar(&els[i], "PathOnHost");
		jw_strn(o->w, NULL, json_str(p), json_strlen(p));
	}
	jw_arr_end(o->w);
	extract__views_free(els, n);
}
