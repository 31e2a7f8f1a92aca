/*
 * Software PWM on the lines of one uAPI v2 request, timed by a thread of its
 * own, never by the JS event loop: one thread per request (per chip), which
 * drives every PWM line of that request.
 *
 *   pwmOpen(fd)                          -> handle (the thread starts)
 *   pwmSet(handle, index, highNs, lowNs) the line at `index` (into the
 *       request's offsets) runs high for highNs and low for lowNs, from now
 *       (a line already running takes the new times at its next edge, so no
 *       period is cut short); highNs 0 or lowNs 0 holds the line low or
 *       high, with no thread work
 *   pwmStop(handle, index)               the thread leaves the line alone
 *       from the moment this returns (a write may follow)
 *   pwmClose(handle)                     ends the thread and waits for it;
 *       idempotent, and done by the handle's finalizer and at env cleanup
 *
 * Timing: the thread sleeps until the next edge with an absolute
 * clock_nanosleep on CLOCK_MONOTONIC, so the period does not drift with the
 * time the work took, and makes one GPIO_V2_LINE_SET_VALUES ioctl per edge
 * instant (every line that changes then, in one mask). A far edge is first
 * waited for on a condition variable (which a pwmSet or a pwmClose wakes)
 * until EARLY_NS before it, then slept for exactly. A thread woken more than
 * a period late (an overloaded machine) skips the periods it missed, whole
 * and in phase, rather than firing them in a burst. The thread is named
 * `gpio-pwm` (ps -L, /proc/<pid>/task/<tid>/comm). Its timer slack is 1 ns
 * (PR_SET_TIMERSLACK): Linux lets a normal thread's timers fire up to 50 us
 * late by default, to batch wake-ups, which would be a jitter of up to 5 %
 * of a 1 kHz period on every edge.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_setname_np */
#endif
#include "gpio.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <time.h>

#define EARLY_NS 2000000ULL

struct channel {
	int active;
	int level;
	uint64_t next_ns;
	uint64_t high_ns;
	uint64_t low_ns;
};

struct pwm {
	int fd;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	int started;
	int stopping;
	int hooked;
	int failed; /* the errno of the last failed ioctl, reported by pwmSet */
	napi_env env;
	struct channel ch[GPIO_V2_LINES_MAX];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct timespec to_ts(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ULL), .tv_nsec = (long)(ns % 1000000000ULL) };

	return ts;
}

static int set_lines(int fd, uint64_t mask, uint64_t bits)
{
	struct gpio_v2_line_values vals = { .bits = bits, .mask = mask };

	return ioctl(fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &vals) < 0 ? errno : 0;
}

/* The earliest next edge of an active line; 0 when none runs. Called with the lock held. */
static uint64_t next_edge(const struct pwm *p)
{
	uint64_t t = 0;
	int i;

	for (i = 0; i < GPIO_V2_LINES_MAX; i++)
		if (p->ch[i].active && (t == 0 || p->ch[i].next_ns < t))
			t = p->ch[i].next_ns;
	return t;
}

static void *pwm_main(void *arg)
{
	struct pwm *p = arg;

	/* Every edge at its time, not batched with other wake-ups (the default slack is 50 us). */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		uint64_t t = next_edge(p), mask = 0, bits = 0, now;
		struct timespec ts;
		int i, e;

		if (t == 0) {
			pthread_cond_wait(&p->changed, &p->lock);
			continue;
		}
		now = now_ns();
		if (t > now + EARLY_NS) {
			/* Far off: wait where a change can wake us, then look again. */
			ts = to_ts(t - EARLY_NS);
			pthread_cond_timedwait(&p->changed, &p->lock, &ts);
			continue;
		}
		pthread_mutex_unlock(&p->lock);
		ts = to_ts(t);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		pthread_mutex_lock(&p->lock);
		if (p->stopping)
			break;
		now = now_ns();
		/* Every line whose edge is due (a pwmStop in between took its line out). */
		for (i = 0; i < GPIO_V2_LINES_MAX; i++) {
			struct channel *c = &p->ch[i];
			uint64_t period;

			if (!c->active || c->next_ns > t)
				continue;
			c->level = !c->level;
			mask |= (uint64_t)1 << i;
			if (c->level)
				bits |= (uint64_t)1 << i;
			c->next_ns += c->level ? c->high_ns : c->low_ns;
			/*
			 * Woken more than a period late (the thread or the whole
			 * machine was not running): the periods missed are skipped
			 * whole, keeping the phase, rather than fired in a burst.
			 */
			period = c->high_ns + c->low_ns;
			if (c->next_ns + period < now)
				c->next_ns += (now - c->next_ns) / period * period;
		}
		if (mask) {
			e = set_lines(p->fd, mask, bits);
			if (e)
				p->failed = e;
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void pwm_close(struct pwm *p)
{
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	if (p->started) {
		pthread_join(p->thread, NULL);
		p->started = 0;
	}
}

static void pwm_cleanup(void *arg)
{
	struct pwm *p = arg;

	p->hooked = 0;
	pwm_close(p);
}

static void pwm_finalize(napi_env env, void *data, void *hint)
{
	struct pwm *p = data;

	(void)hint;
	if (p->hooked)
		napi_remove_env_cleanup_hook(env, pwm_cleanup, p);
	pwm_close(p);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->changed);
	free(p);
}

napi_value pwm_open(napi_env env, napi_callback_info info)
{
	napi_value argv[1], handle;
	pthread_condattr_t attr;
	sigset_t all, old;
	uint32_t fd;
	struct pwm *p;
	int e;

	if (get_args(env, info, 1, argv) || get_u32(env, argv[0], &fd))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return throw_errno(env, ENOMEM, "calloc", NULL);
	p->fd = (int)fd;
	p->env = env;
	pthread_mutex_init(&p->lock, NULL);
	/* Timed waits on CLOCK_MONOTONIC, as the edges are. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->changed, &attr);
	pthread_condattr_destroy(&attr);
	if (napi_create_object(env, &handle) != napi_ok || napi_wrap(env, handle, p, pwm_finalize, NULL, NULL) != napi_ok) {
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->changed);
		free(p);
		napi_failed(env, "napi_wrap");
		return NULL;
	}
	/* From here p goes through the finalizer. Signals stay the loop thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&p->thread, NULL, pwm_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e)
		return throw_errno(env, e, "pthread_create", NULL);
	p->started = 1;
	pthread_setname_np(p->thread, "gpio-pwm");
	NAPI_CALL(env, napi_add_env_cleanup_hook(env, pwm_cleanup, p));
	p->hooked = 1;
	return handle;
}

static struct pwm *pwm_of(napi_env env, napi_value v)
{
	struct pwm *p = NULL;

	if (napi_unwrap(env, v, (void **)&p) != napi_ok || !p) {
		throw_type(env, "gpio_native: not a PWM handle");
		return NULL;
	}
	return p;
}

static int get_index(napi_env env, napi_value v, uint32_t *index)
{
	if (get_u32(env, v, index))
		return -1;
	if (*index >= GPIO_V2_LINES_MAX) {
		throw_range(env, "gpio_native: index beyond 64");
		return -1;
	}
	return 0;
}

static int get_ns(napi_env env, napi_value v, uint64_t *ns)
{
	double d;

	if (napi_get_value_double(env, v, &d) != napi_ok) {
		throw_type(env, "gpio_native: expected a number of nanoseconds");
		return -1;
	}
	/* At most 10 s a half period: below the config's 1 Hz floor with room to spare. */
	if (!(d >= 0 && d <= 10e9)) {
		throw_range(env, "gpio_native: nanoseconds out of range (0 to 10 s)");
		return -1;
	}
	*ns = (uint64_t)d;
	return 0;
}

napi_value pwm_set(napi_env env, napi_callback_info info)
{
	napi_value argv[4];
	struct pwm *p;
	struct channel *c;
	uint32_t index;
	uint64_t high, low;
	int e = 0, failed;

	if (get_args(env, info, 4, argv) || !(p = pwm_of(env, argv[0])) || get_index(env, argv[1], &index) ||
	    get_ns(env, argv[2], &high) || get_ns(env, argv[3], &low))
		return NULL;
	if (!p->started)
		return throw_errno(env, EBADF, "pwmSet", NULL);
	pthread_mutex_lock(&p->lock);
	c = &p->ch[index];
	failed = p->failed;
	p->failed = 0;
	if (high == 0 || low == 0) {
		/* Held at one level: no edges, so no thread work. */
		c->active = 0;
		e = set_lines(p->fd, (uint64_t)1 << index, high ? (uint64_t)1 << index : 0);
	} else {
		c->high_ns = high;
		c->low_ns = low;
		if (!c->active) {
			/* From now: the first edge is the rising one. */
			c->active = 1;
			c->level = 0;
			c->next_ns = now_ns();
			pthread_cond_broadcast(&p->changed);
		}
	}
	pthread_mutex_unlock(&p->lock);
	if (e)
		return throw_errno(env, e, "ioctl GPIO_V2_LINE_SET_VALUES", NULL);
	if (failed)
		return throw_errno(env, failed, "ioctl GPIO_V2_LINE_SET_VALUES (PWM thread)", NULL);
	return NULL;
}

napi_value pwm_stop(napi_env env, napi_callback_info info)
{
	napi_value argv[2];
	struct pwm *p;
	uint32_t index;

	if (get_args(env, info, 2, argv) || !(p = pwm_of(env, argv[0])) || get_index(env, argv[1], &index))
		return NULL;
	pthread_mutex_lock(&p->lock);
	p->ch[index].active = 0;
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

napi_value pwm_close_js(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	struct pwm *p;

	if (get_args(env, info, 1, argv) || !(p = pwm_of(env, argv[0])))
		return NULL;
	if (p->hooked) {
		napi_remove_env_cleanup_hook(env, pwm_cleanup, p);
		p->hooked = 0;
	}
	pwm_close(p);
	return NULL;
}
