/// The train / validation / test partitions: the names of the three tensor files and of the
/// splits in dataset.json.
public enum Partition: String, Codable, Sendable, CaseIterable, Comparable {
    case train, val, test
    public static func < (a: Partition, b: Partition) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
