import Testing
import Training

/// Recipes are files anyone can edit: what the trainer cannot build is refused with the reason.
@Suite struct RecipeTests {
    @Test func recipesTheTrainerCannotBuildAreRefused() throws {
        var stacked = try Recipe.load("lstm-seed")
        stacked.layers.insert(.init(type: .lstm, name: "lstm2", units: .count(8)), at: 1)
        #expect { try stacked.check() } throws: {
            "\($0)".contains("layer lstm2: an lstm comes first or right after a reshape, and only once")
        }
        var huge = try Recipe.load("lstm-seed")
        huge.layers[0].units = .count(100_000)
        #expect { try huge.check() } throws: { "\($0)".contains("100000 units; GenreKit builds 1 to 4096") }
        var negative = try Recipe.load("lstm-seed")
        negative.layers[0].units = .count(-5)
        #expect(throws: RecipeError.self) { try negative.check() }
        var softmaxInside = try Recipe.load("lstm-seed")
        let inner = try #require(
            softmaxInside.layers.indices.dropLast().last { softmaxInside.layers[$0].type == .dense })
        softmaxInside.layers[inner].activation = .softmax
        #expect(throws: RecipeError.self) { try softmaxInside.check() }
    }
}
