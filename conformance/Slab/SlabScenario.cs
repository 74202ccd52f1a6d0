using System.Collections.Immutable;
using MMSpec.Model.Buddy;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Slab;

/// <summary>A generated machine and the slab operations run on it; prints one call per line.</summary>
public sealed record SlabScenario(MemoryLayout Layout, ImmutableArray<SlabStep> Steps)
{
    public double InvalidShare => Steps.IsEmpty ? 0 : Steps.Count(s => s.IsInvalid) / (double)Steps.Length;

    public override string ToString() => ScenarioReport.Format(Layout, Steps);
}
