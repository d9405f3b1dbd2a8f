import PageoutControl
import Testing

/// Parameters as the daemon reads them from a call: numbers at the edges of Int64 and of Double are errors.
@Suite("ControlParameters")
struct ControlParametersTests {
    private func integer(_ number: Double, in range: ClosedRange<Int64>) throws(ControlError) -> Int64? {
        try ControlParameters(.object(["n": .number(number)]), allowed: ["n"]).optionalInteger("n", in: range)
    }

    // 2^63 compares equal to Double(Int64.max) (which rounds up): the conversion to Int64 trapped.
    @Test(arguments: [9.223372036854775807e18, -9.3e18, 1e300, .infinity, -.infinity, .nan, 0.5, -0.5])
    func aNumberThatIsNoInt64IsAnError(number: Double) {
        #expect(throws: ControlError.self) { try integer(number, in: Int64.min...Int64.max) }
    }

    @Test func theEdgesOfARangeAreIntegers() throws {
        #expect(try integer(-9.223372036854775808e18, in: Int64.min...Int64.max) == Int64.min)
        #expect(try integer(1, in: 1...Int64(Int32.max)) == 1)
        #expect(try integer(2147483647, in: 1...Int64(Int32.max)) == Int64(Int32.max))
        #expect(throws: ControlError.self) { try integer(2147483648, in: 1...Int64(Int32.max)) }
        #expect(throws: ControlError.self) { try integer(0, in: 1...Int64(Int32.max)) }
    }

    @Test func registerTakesOneProcessAndOneMemory() throws {
        let parameters = try ControlParameters(.object(["name": .string("vm"), "pid": .number(42),
                                                        "memfd": .string("ram")]), allowed: RegisterParameters.names)
        #expect(try RegisterParameters(parameters) == RegisterParameters(name: "vm", process: .pid(42),
                                                                         memory: .memfd("ram")))
    }
}
