import Foundation
import Testing

@testable import Dataset

/// Duplicate groups (issue: hostile and unlucky inputs, item 2).
@Suite struct HostileDatasetTests {
    /// Item 2: a group's messages are short whatever its size.
    @Test func duplicateMessagesAreLinear() {
        let ids = (0..<10_000).map { "rock.\(String(format: "%05d", $0))" }
        let messages = ids.indices.map { ReportBuilder.duplicateMessage(ids, member: $0) }
        #expect(messages.allSatisfy { $0.count < 120 })
        #expect(
            messages[0]
                == "identical decoded audio to 9999 other tracks: rock.00001, rock.00002, rock.00003 and 9996 more")
        #expect(messages[5] == "identical decoded audio to rock.00000 and 9998 other tracks")
        #expect(ReportBuilder.duplicateMessage(["a", "b"], member: 1) == "identical decoded audio to a")
    }
}
