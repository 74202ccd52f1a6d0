using System.Collections.Immutable;
using MMSpec.Model.Buddy;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Tlb;

/// <summary>A generated machine (format, frames, CPUs, PCIDs, TLB shape) and the operations run on it.</summary>
public sealed record TlbScenario(PagingFormat Format, ulong Frames, MachineConfig Config, ImmutableArray<TlbStep> Steps)
{
    /// <summary>The machine's memory: <see cref="Frames"/> frames, flat (no reserved holes).</summary>
    public MemoryLayout Layout() => MemoryLayout.Flat(Frames);

    public double InvalidShare => Steps.IsEmpty ? 0 : Steps.Count(s => s.IsInvalid) / (double)Steps.Length;

    public override string ToString() => ScenarioReport.Format($"{Format}, {Frames} frames, {Config}", Steps);
}
