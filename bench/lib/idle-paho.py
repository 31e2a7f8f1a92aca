# The Python reference of the idle-memory figure: python3 alone ("bare"), or
# python3 with paho-mqtt connected and subscribed to gpio/t/+/write ("paho URL"):
# the interpreter and MQTT client that flyte/mqtt-io runs on, without mqtt-io.
# Prints "ready" when idle; exits on SIGTERM or when stdin closes.
import sys, threading, urllib.parse

mode = sys.argv[1]
if mode == "paho":
    import paho.mqtt.client as mqtt
    u = urllib.parse.urlparse(sys.argv[2])
    try:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    except AttributeError:  # paho-mqtt 1.x
        client = mqtt.Client()
    def on_connect(c, *a):
        c.subscribe("gpio/t/+/write", qos=1)
    def on_subscribe(*a):
        print("ready", flush=True)
    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.connect(u.hostname, u.port, 30)
    client.loop_start()
else:
    print("ready", flush=True)
sys.stdin.read()
