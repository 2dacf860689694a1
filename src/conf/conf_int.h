/* conf internals shared by conf.c (loading), conf_opt.c (typing one
 * option), conf_build.c (the sections), conf_prog.c (programs and groups)
 * and conf_model.c (the model's own functions).  Not an interface: only
 * those files include it. */
#ifndef SUPD_CONF_INT_H
#define SUPD_CONF_INT_H

#include "strmap.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "conf_raw.h"

#define DEFAULT_LOG_MAXBYTES   (50ull * 1024 * 1024)
#define DEFAULT_TAIL_BUFFER    (64ull * 1024)
#define DEFAULT_RESULT_HANDLER "supervisor.dispatchers:default_handler"
#define MAIN_RPC_FACTORY       "supervisor.rpcinterface:make_main_rpcinterface"
#define CMDLINE		       "command line"
#define CONF_BACKOFF_MAX_MS    60000 /* backoff_max's default */

/* One model being built. */
struct ctx {
	const struct conf_load_opts *o;
	struct diags *d;
	struct conf *c;
	char *const *env;
	const char *home;
	char node[256];
	size_t errors0; /* errors in d before this model */
	bool oom;
	struct strmap groups; /* group name -> index in c->groups, while building */
	struct strmap argvs;  /* command (pooled) -> its argv (a pointer), while building */
	/* c->procs and c->groups grow by doubling while building, and are
	 * cut to size at the end (10,000 programs: no copy per program) */
	size_t procs_cap, groups_cap;
	/* cb_here's last answer: consecutive options mostly come from one file */
	char *here_file, *here_dir;
	/* cb_check_dir_of's last directory found: 10,000 log files in one
	 * directory cost one stat, not 10,000 (a reload's and an upgrade's
	 * parse pay for each) */
	char *dir_seen;
	/* cb_check_user's last user and whether it exists: getpwnam reads
	 * /etc/passwd (and tries nscd) each time, 31 system calls; 10,000
	 * programs with one user= paid them 10,000 times per load */
	char *user_seen;
	bool user_exists;
	/* cb_settings_intern's table: index + 1 into c->settings, 0 empty;
	 * the hash of each of c->settings (a growth rehashes from these) */
	size_t *set_slot, set_cap, settings_cap;
	uint64_t *set_hash;
};

/* The names %(...)s can use in one option. */
struct names {
	struct ctx *x;
	const char *here;
	bool host;
	const char *program;
	const char *group;
	bool num;
	long process_num, numprocs;
	const struct conf_env *env1, *env2; /* extra ENV_ sources, env2 wins */
};

/* One option's value, expanded: the context typing functions work in. */
struct opt {
	struct ctx *x;
	const struct raw_kv *kv;
	const char *v;
	bool bad;
};

/* conf_opt.c */
const char *cb_env_get(char *const *env, const char *name);
char *cb_xstrdup(struct ctx *x, const char *s);
/* s in the conf's pool (struct conf's strs), shared with every equal
 * string there; NULL for NULL (or out of memory: x->oom). */
const char *cb_intern(struct ctx *x, const char *s);
/* The directory of a file, as an absolute path. */
char *cb_dir_of(const char *file);
/* cb_dir_of kept by x for the next option from the same file: valid until
 * the next call; NULL when out of memory (x->oom set).  cb_here_free ends
 * it, and cb_check_dir_of's cache. */
const char *cb_here(struct ctx *x, const char *file);
void cb_here_free(struct ctx *x);
char *cb_kv_text(struct ctx *x, const struct raw_kv *kv, const char *sep);
int cb_expand(struct names *n, const struct raw_kv *kv, const char *value, char **out);
void cb_gather(struct ctx *x, const struct raw_section *s, const char *const *names, size_t n,
	       const struct raw_kv **vals, bool warn_unknown);
bool cb_opt_get(struct ctx *x, struct names *n, const struct raw_kv *kv, struct opt *o, char **tmp,
		const char *sep);

/* Typing an option's value: on a bad value, an error naming it. */
void cb_bad_value(struct opt *o, const char *what);
void cb_t_bool(struct opt *o, bool *out);
void cb_t_int(struct opt *o, long min, long max, int *out);
void cb_t_long(struct opt *o, long min, long max, long *out);
void cb_t_bytes(struct opt *o, uint64_t *out);
void cb_t_octal(struct opt *o, int *out);
void cb_t_str(struct opt *o, char **out);
void cb_t_path(struct opt *o, char **out);
void cb_t_env(struct ctx *x, struct names *n, const struct raw_kv *kv, struct conf_env *env);

/* Things this machine may lack: warnings only (doc/compat.md). */
void cb_check_user(struct opt *o);
void cb_check_dir_of(struct ctx *x, const struct raw_kv *kv, const char *path);
void cb_check_dir(struct ctx *x, const struct raw_kv *kv, const char *dir);

/* [supervisord] or its alias [supd] */
bool cb_is_supd_section(const char *name);

/* conf_kinds.c: env_file= (o->v, a comma list; here: the directory of the
 * file naming it) read into env, each file's path appended to files. */
void cb_t_env_files(struct ctx *x, struct opt *o, const char *here, char ***files, size_t *nfiles,
		    struct conf_env *env);

/* conf_prog.c */
void cb_build_programs(struct ctx *x, struct raw_conf *r);
/* conf_deps.c: depends_on= and kind= of one process; the checks across
 * programs once they are all built (names, conditions, cycles). */
void cb_t_depends_on(struct opt *o, struct conf_process *p);
void cb_t_kind(struct opt *o, struct conf_process *p);
char *cb_deps_map_text(struct ctx *x, const struct raw_kv *kv);
void cb_check_deps(struct ctx *x);
void cb_deps_free(struct conf_deps *d);
bool cb_deps_equal(const struct conf_deps *a, const struct conf_deps *b);
/* conf_model.c */
/* Frees s and what it holds (NULL: nothing). */
void cb_settings_free(struct conf_settings *s);
/* p's settings, just built, made one with equal ones met before: p->s
 * then points into x->c->settings, which owns every process's settings
 * (NULL when out of memory: x->oom).  Nothing writes them after. */
void cb_settings_intern(struct ctx *x, struct conf_process *p);
/* The intern table freed, c->settings cut to size. */
void cb_settings_done(struct ctx *x);
/* Frees what a check holds (conf_model.c), for conf_prog.c to reset one. */
void cb_check_free(struct conf_check *k);

#endif
