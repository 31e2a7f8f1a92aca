/*
 * The module: which function is which export. What each does is told in the
 * file that holds it (gpio.h lists them).
 */
#include "gpio.h"

#define FN(name, fn) { name, NULL, fn, NULL, NULL, NULL, napi_enumerable, NULL }

static napi_value init(napi_env env, napi_value exports)
{
	napi_property_descriptor props[] = {
		/* uapi_v2.c */
		FN("chipInfo", v2_chip_info),
		FN("lineInfo", v2_line_info),
		FN("request", v2_request),
		FN("getValues", v2_get_values),
		FN("setValues", v2_set_values),
		FN("readEvents", v2_read_events),
		FN("close", fd_close),
		/* libgpiod1.c */
		FN("lgRequestEdges", lg_request_edges),
		FN("lgFds", lg_fds),
		FN("lgReadEvents", lg_read_events),
		FN("lgGetValue", lg_get_value),
		FN("lgRelease", lg_release),
		/* reader.c */
		FN("readerStart", reader_start),
		FN("readerTake", reader_take),
		FN("readerStop", reader_stop),
		/* pwm.c */
		FN("pwmOpen", pwm_open),
		FN("pwmSet", pwm_set),
		FN("pwmStop", pwm_stop),
		FN("pwmClose", pwm_close_js),
	};

	NAPI_CALL(env, napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
	return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
