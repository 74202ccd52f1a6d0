using System.Reflection;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace MMSpec.Properties.Lockstep;

public sealed class StopAtFirstFailureTests
{
    [Fact]
    public void The_sink_passes_every_message_on_and_answers_stop_from_the_first_failed_test_on()
    {
        var inner = new Recording();
        var sink = new StopAtFirstFailure.StoppingSink(inner);
        var passed = Blank.Of<ITestPassed>();
        var failed = Blank.Of<ITestFailed>();
        var finished = Blank.Of<ITestFinished>();

        Assert.True(sink.OnMessage(passed));
        Assert.False(sink.OnMessage(failed));
        Assert.False(sink.OnMessage(finished));
        Assert.Equal([passed, failed, finished], inner.Messages);
    }

    [Fact]
    public void The_sink_answers_stop_when_the_sink_it_wraps_does()
    {
        var sink = new StopAtFirstFailure.StoppingSink(new Recording { Answer = false });
        Assert.False(sink.OnMessage(Blank.Of<ITestPassed>()));
    }

    private sealed class Recording : LongLivedMarshalByRefObject, IMessageSink
    {
        public List<IMessageSinkMessage> Messages { get; } = [];

        public bool Answer { get; init; } = true;

        public bool OnMessage(IMessageSinkMessage message)
        {
            Messages.Add(message);
            return Answer;
        }
    }

    /// <summary>A message of the interface's type whose members are never read.</summary>
    public class Blank : DispatchProxy
    {
        public static T Of<T>() where T : class => Create<T, Blank>();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => null;
    }
}
