using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Tlb;

namespace MMSpec.Conformance.Tlb;

/// <summary>
/// The boundaries the TLB specification names: the PCIDs INVPCID takes, 0 and the largest, 4095 (4096 must raise
/// #GP), each targeted one below, at and one above. The CPU one past the last is <see cref="NoSuchCpuStep"/>'s.
/// </summary>
public static class TlbBoundaries
{
    public static IReadOnlyList<Boundary> Pcids { get; } =
    [
        new("PCID 0", 0, 1, "PCID"),
        new("the largest PCID", (ulong)Pcid.Max, 1, "PCID"),
    ];
}
