/* Who may do what on the control plane: access.h. */
#include "config.h"

#include <crypt.h>
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "access.h"
#include "http.h"

struct idlist {
	bool all; /* "*" */
	unsigned *v;
	size_t n;
};

struct access {
	struct idlist users[CONF_ROLES], groups[CONF_ROLES];
	bool roles;		 /* any role list was given */
	struct conf_access conf; /* a copy of what it was made from */
};

/* ---------------------------------------------------------------- policy */

/* "name,123,*" to ids; unknown names are skipped. */
static int idlist_fill(struct idlist *l, const char *spec, bool groups)
{
	if (!spec)
		return 0;
	for (const char *p = spec; *p;) {
		size_t k = strcspn(p, ",");
		char name[256];
		if (k && k < sizeof(name)) {
			memcpy(name, p, k);
			name[k] = '\0';
			unsigned id = 0;
			bool found = true;
			if (!strcmp(name, "*")) {
				l->all = true;
				found = false;
			} else if (strspn(name, "0123456789") == k) {
				id = (unsigned)strtoul(name, NULL, 10);
			} else if (groups) {
				struct group *g = getgrnam(name);
				found = g != NULL;
				id = g ? g->gr_gid : 0;
			} else {
				struct passwd *pw = getpwnam(name);
				found = pw != NULL;
				id = pw ? pw->pw_uid : 0;
			}
			if (found) {
				unsigned *v = realloc(l->v, (l->n + 1) * sizeof(*v));
				if (!v)
					return -ENOMEM;
				l->v = v;
				v[l->n++] = id;
			}
		}
		p += k;
		p += *p == ',';
	}
	return 0;
}

static bool idlist_has(const struct idlist *l, unsigned id)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == id)
			return true;
	return false;
}

int access_new(struct access **out, const struct conf_access *ca)
{
	*out = NULL;
	if (!ca)
		return 0;
	struct access *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	int e = 0;
	for (int r = 0; r < CONF_ROLES && !e; r++) {
		a->roles |= ca->users[r] || ca->groups[r];
		e = idlist_fill(&a->users[r], ca->users[r], false);
		if (!e)
			e = idlist_fill(&a->groups[r], ca->groups[r], true);
		if (!e && ca->users[r] && !(a->conf.users[r] = strdup(ca->users[r])))
			e = -ENOMEM;
		if (!e && ca->groups[r] && !(a->conf.groups[r] = strdup(ca->groups[r])))
			e = -ENOMEM;
	}
	if (!e && ca->naccounts) {
		a->conf.accounts = calloc(ca->naccounts, sizeof(*a->conf.accounts));
		if (!a->conf.accounts)
			e = -ENOMEM;
		for (size_t i = 0; !e && i < ca->naccounts; i++) {
			struct conf_account *d = &a->conf.accounts[a->conf.naccounts++];
			d->role = ca->accounts[i].role;
			d->name = strdup(ca->accounts[i].name);
			d->password = strdup(ca->accounts[i].password);
			if (!d->name || !d->password)
				e = -ENOMEM;
		}
	}
	if (e) {
		access_free(a);
		return e;
	}
	*out = a;
	return 0;
}

void access_free(struct access *a)
{
	if (!a)
		return;
	for (int r = 0; r < CONF_ROLES; r++) {
		free(a->users[r].v);
		free(a->groups[r].v);
		free(a->conf.users[r]);
		free(a->conf.groups[r]);
	}
	for (size_t i = 0; i < a->conf.naccounts; i++) {
		struct conf_account *d = &a->conf.accounts[i];
		free(d->name);
		if (d->password)
			explicit_bzero(d->password, strlen(d->password));
		free(d->password);
	}
	free(a->conf.accounts);
	free(a);
}

const struct conf_access *access_conf(const struct access *a)
{
	return a ? &a->conf : NULL;
}

bool access_has_roles(const struct access *a)
{
	return a && a->roles;
}

enum conf_role access_peer_role(const struct access *a, uid_t uid, const gid_t *gids, size_t ngids,
				uid_t self)
{
	if (!access_has_roles(a) || uid == 0 || uid == self)
		return CONF_ROLE_ADMIN;
	for (int r = CONF_ROLES - 1; r >= 0; r--) {
		bool in = a->users[r].all || a->groups[r].all || idlist_has(&a->users[r], uid);
		for (size_t i = 0; i < ngids && !in; i++)
			in = idlist_has(&a->groups[r], gids[i]);
		if (in)
			return (enum conf_role)(r + 1);
	}
	return CONF_ROLE_NONE;
}

const struct conf_account *access_account(const struct access *a, const char *name)
{
	const struct conf_account *found = NULL;
	/* Every name compared, so that the time does not say which matched. */
	for (size_t i = 0; a && i < a->conf.naccounts; i++)
		if (access_const_eq(a->conf.accounts[i].name, name) && !found)
			found = &a->conf.accounts[i];
	return found;
}

size_t access_accounts(const struct access *a)
{
	return a ? a->conf.naccounts : 0;
}

/* ---------------------------------------------------------------- passwords */

bool access_const_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t n = la > lb ? la : lb;
	unsigned diff = la != lb;
	for (size_t i = 0; i < n; i++) {
		unsigned char x = i < la ? (unsigned char)a[i] : 0;
		unsigned char y = i < lb ? (unsigned char)b[i] : 0;
		diff |= x ^ y;
	}
	return diff == 0;
}

/* libcrypt is loaded at the first crypt(3) hash checked, not linked: most
 * configs have none, and a library mapped costs every supd its written
 * pages (doc/performance.md).  NULL: it cannot be loaded. */
static __typeof__(crypt_r) *load_crypt_r(void)
{
	static __typeof__(crypt_r) *fn;
	static bool tried;
	if (!tried) {
		tried = true;
		/* RTLD_NODELETE: never unloaded under the pointer */
		void *h = dlopen("libcrypt.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
		if (h)
			*(void **)&fn = dlsym(h, "crypt_r");
	}
	return fn;
}

bool access_password_ok(const char *stored, const char *given)
{
	if (!strncmp(stored, "{SHA}", 5)) {
		char hex[41];
		http_sha1_hex(given, strlen(given), hex);
		return access_const_eq(stored + 5, hex);
	}
	if (stored[0] == '$') {
		__typeof__(crypt_r) *hash = load_crypt_r();
		if (!hash)
			return false; /* never taken for a plain password */
		/* crypt_data is 32 KiB: not on the loop's stack. */
		struct crypt_data *cd = calloc(1, sizeof(*cd));
		if (!cd)
			return false;
		const char *h = hash(given, stored, cd);
		/* libcrypt's failure token starts with '*'; then stored is
		 * no hash libcrypt knows, and is taken as a plain password */
		bool hashed = h && h[0] != '*';
		bool ok = hashed && access_const_eq(h, stored);
		explicit_bzero(cd, sizeof(*cd));
		free(cd);
		if (hashed)
			return ok;
	}
	return access_const_eq(stored, given);
}

/* Logins a crypt(3) hash verified lately, so that a client's next
 * requests do not each cost the hash's time on the loop (a yescrypt check
 * takes tens of milliseconds and more).  An entry is a keyed SHA-1 of the
 * stored hash and the password given, with a key drawn at start: it binds
 * the two (a changed password no longer matches) and holds neither. */
#define CACHE_SLOTS  16
#define CACHE_TTL_MS 600000

struct access_cache {
	unsigned char key[16];
	struct {
		char mac[41];
		int64_t until;
	} e[CACHE_SLOTS];
	unsigned next;
};

struct access_cache *access_cache_new(void)
{
	struct access_cache *c = calloc(1, sizeof(*c));
	if (c && getrandom(c->key, sizeof(c->key), 0) != (ssize_t)sizeof(c->key)) {
		free(c);
		return NULL;
	}
	return c;
}

void access_cache_free(struct access_cache *c)
{
	if (c)
		explicit_bzero(c, sizeof(*c));
	free(c);
}

static bool cache_mac(const struct access_cache *c, const char *stored, const char *given,
		      char mac[41])
{
	char buf[2048];
	size_t ls = strlen(stored), lg = strlen(given);
	if (sizeof(c->key) + ls + 1 + lg > sizeof(buf))
		return false;
	memcpy(buf, c->key, sizeof(c->key));
	memcpy(buf + sizeof(c->key), stored, ls + 1);
	memcpy(buf + sizeof(c->key) + ls + 1, given, lg);
	http_sha1_hex(buf, sizeof(c->key) + ls + 1 + lg, mac);
	explicit_bzero(buf, sizeof(buf));
	return true;
}

bool access_password_check(struct access_cache *c, const char *stored, const char *given,
			   int64_t now_ms)
{
	char mac[41];
	if (!c || stored[0] != '$' || !cache_mac(c, stored, given, mac))
		return access_password_ok(stored, given);
	bool hit = false;
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		hit |= c->e[i].until > now_ms && access_const_eq(c->e[i].mac, mac);
	if (hit)
		return true;
	if (!access_password_ok(stored, given))
		return false;
	memcpy(c->e[c->next].mac, mac, sizeof(mac));
	c->e[c->next].until = now_ms + CACHE_TTL_MS;
	c->next = (c->next + 1) % CACHE_SLOTS;
	return true;
}

/* ---------------------------------------------------------------- failures */

struct fail_slot {
	unsigned family; /* 0: free */
	unsigned char key[8];
	unsigned count;
	int64_t last;
	int64_t until; /* the next attempt's turn */
};

struct access_fails {
	struct fail_slot s[ACCESS_FAIL_SLOTS];
};

struct access_fails *access_fails_new(void)
{
	return calloc(1, sizeof(struct access_fails));
}

void access_fails_free(struct access_fails *f)
{
	free(f);
}

static struct fail_slot *slot_of(struct access_fails *f, unsigned family,
				 const unsigned char key[8])
{
	for (size_t i = 0; i < ACCESS_FAIL_SLOTS; i++)
		if (f->s[i].family == family && !memcmp(f->s[i].key, key, 8))
			return &f->s[i];
	return NULL;
}

/* The wait between attempts after count failures in a row. */
static int64_t fail_delay(unsigned count)
{
	if (count <= ACCESS_FAIL_FREE)
		return 0;
	unsigned shift = count - ACCESS_FAIL_FREE - 1;
	int64_t d = shift > 10 ? ACCESS_FAIL_MAX_MS : (int64_t)ACCESS_FAIL_DELAY_MS << shift;
	return d > ACCESS_FAIL_MAX_MS ? ACCESS_FAIL_MAX_MS : d;
}

int access_fail(struct access_fails *f, unsigned family, const unsigned char key[8], int64_t now_ms,
		unsigned *count)
{
	struct fail_slot *s = slot_of(f, family, key);
	if (s && now_ms - s->last > ACCESS_FAIL_FORGET_MS)
		s->count = 0;
	if (!s) {
		/* a free slot, else the one quiet longest: the memory stays
		 * bounded, and a flood of addresses only forgets old ones */
		s = &f->s[0];
		for (size_t i = 0; i < ACCESS_FAIL_SLOTS && s->family; i++)
			if (!f->s[i].family || f->s[i].last < s->last)
				s = &f->s[i];
		memset(s, 0, sizeof(*s));
		s->family = family;
		memcpy(s->key, key, 8);
	}
	s->count++;
	s->last = now_ms;
	int64_t d = fail_delay(s->count);
	if (s->until < now_ms + d)
		s->until = now_ms + d;
	if (count)
		*count = s->count;
	return (int)d;
}

int access_fail_wait(struct access_fails *f, unsigned family, const unsigned char key[8],
		     int64_t now_ms)
{
	struct fail_slot *s = f ? slot_of(f, family, key) : NULL;
	if (!s || now_ms - s->last > ACCESS_FAIL_FORGET_MS)
		return 0;
	int64_t d = fail_delay(s->count);
	if (!d)
		return 0;
	/* each attempt takes the next turn: however many connections wait,
	 * their credentials are checked one per delay */
	int64_t turn = s->until > now_ms ? s->until : now_ms;
	s->until = turn + d;
	return (int)(turn - now_ms);
}

void access_fail_clear(struct access_fails *f, unsigned family, const unsigned char key[8])
{
	struct fail_slot *s = f ? slot_of(f, family, key) : NULL;
	if (s)
		memset(s, 0, sizeof(*s));
}
