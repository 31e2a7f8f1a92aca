"""A request through paho-mqtt (Debian's python3-paho-mqtt), as a third-party
caller would send it. Prints one JSON line per answer received.

usage: request.py PORT PROTOCOL(4|5) QOS TOPIC PAYLOAD [RESPONSE_TOPIC CORRELATION]
"""
import json
import sys
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

port, protocol, qos, topic, payload = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
response_topic = sys.argv[6] if len(sys.argv) > 6 else None
correlation = sys.argv[7].encode() if len(sys.argv) > 7 else None
state_topic = topic.rsplit('/', 1)[0] + '/state'

v5 = protocol == 5
client = mqtt.Client(client_id='paho-%d-%s' % (protocol, response_topic or 'plain'), protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311)
subscribed = threading.Event()
answered = threading.Event()
wanted = response_topic or state_topic


def on_message(_c, _u, m):
    props = getattr(m, 'properties', None)
    out = {'topic': m.topic, 'payload': m.payload.decode(), 'qos': m.qos, 'retain': bool(m.retain)}
    if props is not None and hasattr(props, 'CorrelationData'):
        out['correlation'] = props.CorrelationData.decode()
    if props is not None and hasattr(props, 'UserProperty'):
        out['user'] = [list(p) for p in props.UserProperty]
    print(json.dumps(out), flush=True)
    if m.topic == wanted and not m.retain:
        answered.set()


client.on_message = on_message
client.on_subscribe = lambda *_args: subscribed.set()
client.connect('127.0.0.1', port)
client.loop_start()
client.subscribe(wanted, qos=1)
if not subscribed.wait(10):
    sys.exit('paho: no SUBACK')
props = None
if v5 and response_topic is not None:
    props = Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = response_topic
    props.CorrelationData = correlation
    props.UserProperty = [('caller', 'paho'), ('trace', '1')]
client.publish(topic, payload, qos=qos, properties=props)
ok = answered.wait(10)
client.loop_stop()
client.disconnect()
sys.exit(0 if ok else 'paho: no answer on ' + wanted)
