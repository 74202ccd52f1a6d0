using MMSpec.Conformance.Reclaim;
using MMSpec.Impl.Reclaim;
using MMSpec.Model.Reclaim;
using Xunit.Abstractions;

namespace MMSpec.Properties.Reclaim;

/// <summary>
/// The reclaim implementation's properties at all three levels, as an outside user runs the conformance kit's
/// ReclaimExactSpecification: the safe and live rules on its own, then lockstep with the model, step for step.
/// </summary>
public sealed class ReclaimProperties(ITestOutputHelper output) : ReclaimExactSpecification(output)
{
    protected override IReclaimSystem Create(ReclaimConfig config) => new ReclaimSystem(config);
}
