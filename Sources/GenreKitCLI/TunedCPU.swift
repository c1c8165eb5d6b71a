import Foundation

/// A binary `make build` tuned for the build machine's CPU (`-target-cpu haswell`, see
/// scripts/host-cpu-flags.sh) checks, before any command runs, that this CPU has what the tuning
/// uses: copied to an older machine, it says so instead of dying of an illegal instruction.
enum TunedCPU {
    /// The /proc/cpuinfo flags `-target-cpu haswell` lets the compiler use.
    static let required = ["avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "abm", "popcnt"]

    static func exitUnlessSupported() {
        #if GENREKIT_TUNED_HASWELL
            let missing = missingFlags()
            guard !missing.isEmpty else { return }
            FileHandle.standardError.write(
                Data(
                    ("genrekit: this binary was built for CPUs with AVX2 and FMA, and this CPU lacks "
                        + "\(missing.joined(separator: ", ")); build it on this machine with `make build`, "
                        + "or with `PORTABLE=1 make build` for a binary any x86-64 CPU runs\n").utf8))
            exit(1)
        #endif
    }

    /// The required flags /proc/cpuinfo does not list (none when it cannot be read: the check
    /// is a courtesy, not a gate).
    static func missingFlags() -> [String] {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let colon = line.firstIndex(of: ":")
        else { return [] }
        let flags = Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        return required.filter { !flags.contains($0) }
    }
}
