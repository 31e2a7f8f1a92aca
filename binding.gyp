{
  "targets": [
    {
      "target_name": "gpio_cdev",
      "sources": ["native/gpio_cdev.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2", "-pthread"],
      "ldflags": ["-pthread"],
      "libraries": ["-ldl"]
    }
  ]
}
