// The host on Azure Container Apps: serverless, scales to zero, woken by HTTP traffic or by
// messages waiting on the Durable Task hub's queues or our links queue (KEDA azure-queue scaler).

param location string

param tags object = {}

@description('Name of the Container Apps managed environment.')
param environmentName string

@description('Name of the container app that runs the host.')
param appName string

@description('Container image of the host (functions/ClientHub.Functions).')
param image string

@description('Name of the Storage account created by storage.bicep; its key never leaves the deployment.')
param storageAccountName string

@description('Port the host listens on inside the container (the PORT setting).')
param targetPort int = 8080

@minValue(0)
param minReplicas int = 0

@minValue(1)
param maxReplicas int = 10

@description('Messages waiting on a work queue per replica before KEDA adds one.')
param queueLengthPerReplica int = 20

@description('Task hub of the Durable Task engine (host.json extensions.durableTask.hubName).')
param taskHubName string = 'clienthub'

@description('Control queues of the task hub (host.json extensions.durableTask.storageProvider.partitionCount); fixed once the hub exists.')
@minValue(1)
@maxValue(16)
param partitionCount int = 4

// The engine's work-item queue (activities), its control queues (orchestrations), and the links queue.
// A pending durable timer (a reminder days away) is an invisible control-queue message, and the scaler counts
// invisible messages too: while reminders are pending, one replica stays up, so the timers fire on time.
var workQueues = concat(
  ['${toLower(taskHubName)}-workitems'],
  map(range(0, partitionCount), i => '${toLower(taskHubName)}-control-${padLeft(string(i), 2, '0')}'),
  ['links']
)

var queueRules = [
  for queue in workQueues: {
    name: '${queue}-queue'
    azureQueue: {
      queueName: queue
      queueLength: queueLengthPerReplica
      auth: [
        {
          secretRef: 'storage-connection'
          triggerParameter: 'connection'
        }
      ]
    }
  }
]

@secure()
@description('Enables POST /api/firms when set (ClientHub__BootstrapToken); empty leaves firm creation disabled.')
param bootstrapToken string = ''

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

var storageConnectionString = 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${environmentName}-logs'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource managedEnvironment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
  }
}

var storageSecret = [
  {
    name: 'storage-connection'
    value: storageConnectionString
  }
]
var bootstrapSecret = empty(bootstrapToken) ? [] : [
  {
    name: 'bootstrap-token'
    value: bootstrapToken
  }
]
var bootstrapEnv = empty(bootstrapToken) ? [] : [
  {
    name: 'ClientHub__BootstrapToken'
    secretRef: 'bootstrap-token'
  }
]

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: appName
  location: location
  tags: tags
  properties: {
    managedEnvironmentId: managedEnvironment.id
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: targetPort
        transport: 'auto'
        allowInsecure: false
      }
      secrets: concat(storageSecret, bootstrapSecret)
    }
    template: {
      containers: [
        {
          name: 'host'
          image: image
          resources: {
            cpu: json('0.5')
            memory: '1Gi'
          }
          env: concat(
            [
              {
                name: 'AzureWebJobsStorage'
                secretRef: 'storage-connection'
              }
              {
                name: 'PORT'
                value: string(targetPort)
              }
            ],
            bootstrapEnv
          )
          probes: [
            {
              type: 'Readiness'
              httpGet: {
                path: '/healthz'
                port: targetPort
              }
            }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: concat(queueRules, [
          {
            name: 'http'
            http: {
              metadata: {
                concurrentRequests: '50'
              }
            }
          }
        ])
      }
    }
  }
}

output fqdn string = app.properties.configuration.ingress.fqdn
output environmentId string = managedEnvironment.id
