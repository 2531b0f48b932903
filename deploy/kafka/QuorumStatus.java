// Prints the KRaft quorum of a running cluster as one JSON line: the active controller, the voters with their
// log end offsets, the observers, and the brokers. Kafka's protocol answers this (DescribeQuorum) but neither
// aiokafka nor librdkafka asks it, so the hub runs this single-file program with the cached jars:
//   java -cp '<libs>/*' deploy/kafka/QuorumStatus.java <bootstrap> <client.properties>
import java.io.FileReader;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.QuorumInfo;

public class QuorumStatus {
    private static String replicas(java.util.List<QuorumInfo.ReplicaState> states) {
        return states.stream()
            .map(r -> "{\"id\":" + r.replicaId() + ",\"log_end_offset\":" + r.logEndOffset() + "}")
            .collect(Collectors.joining(",", "[", "]"));
    }

    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        try (FileReader reader = new FileReader(args[1])) {
            props.load(reader);
        }
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        try (Admin admin = Admin.create(props)) {
            QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo().get();
            String brokers = admin.describeCluster().nodes().get().stream()
                .map(n -> String.valueOf(n.id()))
                .collect(Collectors.joining(",", "[", "]"));
            System.out.println("{\"leader_id\":" + quorum.leaderId() + ",\"leader_epoch\":" + quorum.leaderEpoch()
                + ",\"high_watermark\":" + quorum.highWatermark() + ",\"voters\":" + replicas(quorum.voters())
                + ",\"observers\":" + replicas(quorum.observers()) + ",\"brokers\":" + brokers + "}");
        }
    }
}
