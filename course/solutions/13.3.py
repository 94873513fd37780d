# A durable function waits for the warehouse's callback without running; count its invocations.
runtime = lambdakit.Runtime(clock="virtual", seed=0)
runtime.create_function("confirm-shipping", capstone.CONFIRM_DURABLE_CODE, handler="lambda_function.handler",
                        runtime="python3.13", layers=[runtime.durable_sdk_layer()],
                        durable_config={"ExecutionTimeout": 30 * 86_400})
arn = runtime.invoke("confirm-shipping:$LATEST", {"order": "o-1"}, invocation_type="Event").durable_execution_arn
runtime.wait_durable_execution(arn)
callback_id = next(e["CallbackStartedDetails"]["CallbackId"] for e in runtime.get_durable_execution_history(arn)["Events"]
                   if e["EventType"] == "CallbackStarted")
runtime.advance(hours=40)
runtime.send_durable_execution_callback_success(callback_id, b'"shipped"')
runtime.wait_durable_execution(arn)
long_step = {"choice": "durable", "invocations_per_order": len(runtime.durable_execution(arn).invocations)}
runtime.close()
