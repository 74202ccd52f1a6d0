using MMSpec.Conformance.Oom;
using MMSpec.Impl.Oom;
using MMSpec.Model.Oom;
using Xunit.Abstractions;

namespace MMSpec.Properties.Oom;

/// <summary>The implementation's OOM killer at the exact level: Linux 6.18's victim, badness and oom_score.</summary>
public sealed class OomKillerProperties(ITestOutputHelper output) : OomExactSpecification(output)
{
    protected override IOomKiller Create() => new OomKiller();
}

/// <summary>The reference model keeps the safe rules, which are stated apart from it.</summary>
public sealed class OomModelProperties(ITestOutputHelper output) : OomSafeSpecification(output)
{
    protected override IOomKiller Create() => new OomKillerModel();
}
