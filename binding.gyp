{
  "targets": [
    {
      "target_name": "gpio_native",
      "sources": ["native/addon.c", "native/napi.c", "native/uapi_v2.c", "native/libgpiod1.c", "native/reader.c", "native/pwm.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2", "-pthread"],
      "ldflags": ["-pthread"],
      "libraries": ["-ldl"]
    }
  ]
}
