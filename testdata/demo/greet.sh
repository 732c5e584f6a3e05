#!/bin/sh
# What the demo image prints when it runs.
cat message.txt
echo "in $APP_HOME: $(ls data | tr '\n' ' ')"
cat /var/log/hello/build.log
