import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A program run to completion: its exit status (128 + the signal if one killed it), what it
/// printed, and its peak memory (its own high-water resident set, sampled), with a time limit so a hang fails
/// the test instead of stalling the suite.
public struct Subprocess: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// Peak resident memory in bytes.
    public var peakBytes: Int
    /// Whether the time limit killed it.
    public var timedOut: Bool

    /// Runs `executable` with `arguments` in `directory`.
    /// - Parameters:
    ///   - environment: added to (and overriding) this process's environment.
    ///   - timeout: seconds before it is killed (SIGKILL).
    public static func run(
        _ executable: String, _ arguments: [String], in directory: String, environment: [String: String] = [:],
        timeout: Double = 600
    ) throws -> Subprocess {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("genrekit-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("stdout").path
        let err = scratch.appendingPathComponent("stderr").path
        // The shell changes folder, then becomes the program (same process, so wait4 measures it).
        let argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory, executable] + arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let envp = env.map { "\($0)=\($1)" }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var pid: pid_t = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = envp.map { strdup($0) } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, cArgs, cEnv)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL) }
        var status: Int32 = 0
        var usage = rusage()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        var peak = 0
        while wait4(pid, &status, WNOHANG, &usage) == 0 {
            peak = max(peak, highWaterMark(pid))
            if Date() > deadline {
                kill(pid, SIGKILL)
                timedOut = true
                _ = wait4(pid, &status, 0, &usage)
                break
            }
            usleep(5_000)
        }
        let signal = status & 0x7F
        return Subprocess(
            status: signal == 0 ? (status >> 8) & 0xFF : 128 + signal,
            stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "",
            peakBytes: peak > 0 ? peak : usage.ru_maxrss * 1024, timedOut: timedOut)
    }

    /// The process's own peak resident set (`VmHWM` in /proc), in bytes, or 0 when unreadable.
    /// `wait4`'s `ru_maxrss` would not do: posix_spawn shares this process's memory until the
    /// exec, and Linux carries that high-water mark into the child's, so a test process that once
    /// held 400 MB made every program it ran look as large.
    static func highWaterMark(_ pid: pid_t) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kB = Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "")
        else { return 0 }
        return kB * 1024
    }
}
