my_body = '"Hello from Lambda!"'
