using MMSpec.Conformance.Reclaim;
using MMSpec.Impl.Reclaim;
using MMSpec.Model.Reclaim;
using Xunit.Abstractions;

namespace MMSpec.Properties.Reclaim;

/// <summary>
/// The reclaim implementation's properties at levels 1 and 2: the safe and live rules on its own, as an outside user
/// runs the conformance kit's ReclaimLiveSpecification. The exact level (lockstep with the model) does not pass yet:
/// issue 15's closing note lists where the two readings still differ.
/// </summary>
public sealed class ReclaimProperties(ITestOutputHelper output) : ReclaimLiveSpecification(output)
{
    protected override IReclaimSystem Create(ReclaimConfig config) => new ReclaimSystem(config);
}
