import Testing
@testable import PageoutCore

@Suite struct PageBitmapTests {
    @Test(arguments: [0..<0, 0..<1, 3..<64, 0..<64, 63..<65, 10..<200, 64..<128, 1..<299, 0..<300])
    func setAndClearMatchAPlainArray(range: Range<Int>) {
        var bitmap = PageBitmap(count: 300)
        var plain = [Bool](repeating: false, count: 300)
        bitmap.set(range)
        for index in range { plain[index] = true }
        #expect((0..<300).map { bitmap[$0] } == plain)
        #expect(bitmap.setCount == range.count)
        bitmap.clear(5..<70)
        for index in 5..<70 { plain[index] = false }
        #expect((0..<300).map { bitmap[$0] } == plain)
        #expect(bitmap.setCount == plain.filter { $0 }.count)
    }

    @Test func runsAreMaximalAndOrdered() {
        var bitmap = PageBitmap(count: 1000)
        bitmap.set(0..<3)
        bitmap.set(60..<130)
        bitmap.set(130..<131)
        bitmap[500] = true
        bitmap.set(990..<1000)
        #expect(bitmap.runs() == [0..<3, 60..<131, 500..<501, 990..<1000])
        #expect(bitmap.runs(in: 100..<995) == [100..<131, 500..<501, 990..<995])
        #expect(bitmap.setCount(in: 2..<61) == 2)
    }

    @Test func randomBitmapsAgreeWithSets() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let count = Int.random(in: 1...700, using: &generator)
            var bitmap = PageBitmap(count: count)
            var set = Set<Int>()
            for _ in 0..<Int.random(in: 0...20, using: &generator) {
                let low = Int.random(in: 0..<count, using: &generator)
                let high = Int.random(in: low...count, using: &generator)
                bitmap.set(low..<high)
                set.formUnion(low..<high)
            }
            let fromRuns = Set(bitmap.runs().flatMap { Array($0) })
            #expect(fromRuns == set)
            #expect(bitmap.setCount == set.count)
            for pair in zip(bitmap.runs(), bitmap.runs().dropFirst()) {
                #expect(pair.0.upperBound < pair.1.lowerBound, "runs must not touch")
            }
        }
    }

    @Test func setAlgebra() {
        var a = PageBitmap(count: 130)
        var b = PageBitmap(count: 130)
        a.set(0..<100)
        b.set(50..<130)
        #expect(a.intersection(b).runs() == [50..<100])
        #expect(a.subtracting(b).runs() == [0..<50])
        a.formUnion(b)
        #expect(a.runs() == [0..<130])
    }
}
