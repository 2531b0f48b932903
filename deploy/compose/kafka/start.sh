#!/bin/sh
# Start one combined broker+controller node of the compose cluster with SASL/SCRAM for clients.
#
# The apache/kafka image formats its storage itself but cannot add a SCRAM credential while formatting, and
# the hub's credential must exist before the first broker answers (inter-broker traffic uses it too). So this
# script writes the node's server.properties, formats the storage once with `--add-scram`, then runs the broker.
# Needs NODE_ID, CLUSTER_ID, SCRAM_USER and SCRAM_PASSWORD in the environment.
set -eu
: "${NODE_ID:?}" "${CLUSTER_ID:?}" "${SCRAM_USER:?}" "${SCRAM_PASSWORD:?}"

config=/var/lib/kafka/server.properties
data=/var/lib/kafka/data
scram=org.apache.kafka.common.security.scram.ScramLoginModule
plain=org.apache.kafka.common.security.plain.PlainLoginModule
user=$SCRAM_USER
password=$SCRAM_PASSWORD

umask 077
cat > "$config" <<PROPERTIES
process.roles=broker,controller
node.id=$NODE_ID
controller.quorum.voters=1@kafka1:9093,2@kafka2:9093,3@kafka3:9093
controller.listener.names=CONTROLLER
listeners=SASL_PLAINTEXT://:9092,CONTROLLER://:9093
advertised.listeners=SASL_PLAINTEXT://kafka$NODE_ID:9092
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
inter.broker.listener.name=SASL_PLAINTEXT
log.dirs=$data

# SCRAM-SHA-512 for clients and between brokers; PLAIN with a static list (the hub only) inside the quorum,
# because the controllers serve the SCRAM credentials themselves and cannot authenticate each other with them.
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=$scram required username="$user" password="$password";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=$plain required username="$user" password="$password" user_$user="$password";

# Nothing is allowed that no ACL grants; the hub is the only super user (docs/security.md: partners' ACLs).
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:$user

# Three replicas, two in sync before a write counts: one node may be down without stopping the hub.
auto.create.topics.enable=false
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
PROPERTIES

# The health check's client: the hub's own credential, on this node's listener.
cat > /var/lib/kafka/client.properties <<PROPERTIES
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=$scram required username="$user" password="$password";
PROPERTIES

if [ ! -f "$data/meta.properties" ]; then
  /opt/kafka/bin/kafka-storage.sh format -t "$CLUSTER_ID" -c "$config" \
    --add-scram "SCRAM-SHA-512=[name=$user,password=$password]"
fi
exec /opt/kafka/bin/kafka-server-start.sh "$config"
